"""Same as `bicep-twitch predict`: python scripts/predict.py --case '{"movement": "spasm"}'."""

import sys

from bicep_twitch.cli import main

if __name__ == "__main__":
    sys.exit(main(["predict", *sys.argv[1:]]))
