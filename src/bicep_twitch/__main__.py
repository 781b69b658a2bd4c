"""`python -m bicep_twitch` is the `bicep-twitch` command."""

import sys

from .cli import main

sys.exit(main())
