"""Same as `bicep-twitch train`: python scripts/train.py [--data DIR] [--out DIR] [--seed S]."""

import sys

from bicep_twitch.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", *sys.argv[1:]]))
