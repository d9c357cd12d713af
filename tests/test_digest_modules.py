"""The digest package: one module per concept, and nothing private imported across modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .conftest import ROOT

DIGEST = sorted((ROOT / "briefing" / "digest").glob("*.py"))


def _private_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            found += [f"{node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
    return found


@pytest.mark.parametrize("path", DIGEST, ids=lambda p: p.name)
def test_no_private_name_is_imported_across_modules(path: Path) -> None:
    assert _private_imports(path) == []


@pytest.mark.parametrize("path", DIGEST, ids=lambda p: p.name)
def test_each_module_is_a_few_hundred_lines(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 400


def test_the_concepts_have_their_own_modules() -> None:
    names = {p.stem for p in DIGEST}
    concepts = {"inputs", "people", "agreements", "claims", "timeline", "changes", "overrides"}
    assert concepts <= names
