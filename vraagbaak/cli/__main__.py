"""`python -m vraagbaak.cli`: the same as the `vraagbaak` command."""

import sys

from vraagbaak.cli.main import main

sys.exit(main())
