"""`python -m briefing`: the same command as `briefing`."""

from briefing.cli.main import main

raise SystemExit(main())
