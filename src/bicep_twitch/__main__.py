"""`python -m bicep_twitch` is the `bicep-twitch` command (with no arguments: its help, exit status 2)."""

import sys

from .cli import main

sys.exit(main())
