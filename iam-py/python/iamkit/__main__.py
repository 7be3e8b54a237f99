"""``python -m iamkit``: the command-line interface."""

from iamkit.cli import main

raise SystemExit(main())
