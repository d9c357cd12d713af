"""`python -m briefing`: the same command as `briefing`."""

from briefing.cli.entry import main

raise SystemExit(main())
