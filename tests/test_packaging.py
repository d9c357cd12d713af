"""The wheel carries what an installed briefing needs: prompts, templates, py.typed."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from .conftest import ROOT


def test_wheel_ships_prompts_templates_and_types(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    [wheel] = tmp_path.glob("grounded_briefing-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    prompts = {p.name for p in (ROOT / "prompts").iterdir()}
    assert {f"briefing/prompts/{name}" for name in prompts} <= names
    assert "briefing/render/templates/brief.md.j2" in names
    assert "briefing/py.typed" in names
    assert not any(n.startswith(("tests/", "cassettes/")) for n in names)
