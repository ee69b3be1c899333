"""Allow `python -m gitc_agent`."""

from gitc_agent.cli import main

raise SystemExit(main())
