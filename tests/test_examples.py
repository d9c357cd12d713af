"""The examples run as they are, so they cannot rot: the notebook through nbclient, the
script as a subprocess."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT


def test_the_notebook_executes_offline() -> None:
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(ROOT / "examples" / "explore_seeds.ipynb", as_version=4)  # type: ignore[no-untyped-call]
    NotebookClient(notebook, timeout=300, resources={"metadata": {"path": str(ROOT)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any("all quotes grounded" in str(o.get("data", {})) for o in outputs)


def test_the_folder_script_runs_offline() -> None:
    done = subprocess.run(
        [sys.executable, "examples/brief_folder.py", "corpus/dev"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    lines = done.stdout.strip().splitlines()
    articles = len(list((ROOT / "corpus" / "dev").glob("*.txt")))
    assert len(lines) == articles and all("replayed" in line for line in lines), done.stdout
    assert not any(" 1 agreements" in line or " 1 officials" in line for line in lines)
