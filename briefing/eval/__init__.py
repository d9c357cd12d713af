"""Evaluation against gold annotations: `briefing.evaluate` and `briefing eval`."""
