"""The README's commands marked runnable (```bash runnable) run as written, offline."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from .conftest import ROOT

BLOCKS = re.findall(r"```bash runnable\n(.*?)```", (ROOT / "README.md").read_text(), re.DOTALL)
COMMANDS = [
    line.split("  #")[0].strip()
    for block in BLOCKS
    for line in block.splitlines()
    if line.strip() and not line.startswith("#")
]


def test_the_readme_has_runnable_commands() -> None:
    assert len(COMMANDS) >= 3


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_command_runs(command: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "BRIEFING_MODEL"))}
    (ROOT / "build").mkdir(exist_ok=True)
    done = subprocess.run(
        ["bash", "-c", command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
