"""Targeted repair: one short follow-up naming only the items that failed, each with its
problems in plain words and the article passages closest to what it got wrong. The model
returns those items fixed or withdrawn, and they are merged back by ref.

The follow-up carries neither the article nor the first answer, so it costs a fraction of the
first call (`benchmarks/repair.py` measures it), and its schema holds only the kinds of item
being repaired.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any, ClassVar, Optional

from pydantic import Field, create_model

from briefing.extract.parse import Proposed, Unusable, item, json_object
from briefing.extract.prompts import Message, render
from briefing.extract.schema import DRAFTS, GROUPS, Draft, ItemKind
from briefing.ground.rules import passages_for


@cache
def repair_model(kinds: frozenset[ItemKind]) -> type[Draft]:
    """The answer schema for repairing items of `kinds`: per kind, a list of fixes."""
    fields: dict[str, Any] = {}
    for kind in sorted(kinds):
        fix = create_model(
            f"{DRAFTS[kind].__name__.removesuffix('Draft')}Fix",
            __base__=Draft,
            ref=(str, Field(description="The ref of the item repaired.")),
            withdraw=(bool, Field(description="True if the article does not support it.")),
            item=(Optional[DRAFTS[kind]], Field(description="The fixed item; null if withdrawn.")),  # type: ignore[arg-type]  # noqa: UP045
        )
        fields[GROUPS[kind]] = (list[fix], ...)
    return create_model("Repair", __base__=_RepairBase, **fields)


class _RepairBase(Draft):
    """Failed items, fixed or withdrawn."""

    describe_fields: ClassVar[bool] = False  # the item's JSON in the request shows each field


def repair_messages(failing: list[Proposed], article: str) -> list[Message]:
    entries = [
        {
            "ref": p.ref,
            "json": json.dumps(p.raw, ensure_ascii=False),
            "problems": p.problems,
            "passages": passages_for(p.draft or _Loose(p.raw), p.problems, article),
        }
        for p in failing
    ]
    return [{"role": "user", "content": render("repair.j2", items=entries)}]


class _Loose:
    """An unvalidated item's fields as attributes, for finding passages."""

    def __init__(self, raw: Any) -> None:
        self.__dict__.update(raw if isinstance(raw, dict) else {})
        evidence = self.__dict__.get("evidence")
        self.evidence = (
            [e for e in evidence if isinstance(e, str)] if isinstance(evidence, list) else []
        )


def apply_repair(failing: list[Proposed], raw: str | None) -> list[Proposed]:
    """The failing items after the model's answer: replaced, withdrawn or left as they were."""
    try:
        data = json_object(raw)
    except Unusable:
        return failing
    by_ref = {p.ref: p for p in failing}
    out = {p.ref: p for p in failing}
    for kind, group in GROUPS.items():
        fixes = data.get(group)
        for fix in fixes if isinstance(fixes, list) else []:
            if not isinstance(fix, dict) or fix.get("ref") not in by_ref:
                continue
            old = by_ref[fix["ref"]]
            if old.kind != kind:
                continue
            if fix.get("withdraw") or fix.get("item") is None:
                out[old.ref] = Proposed(
                    kind, old.ref, old.raw, old.draft, old.problems, old.repaired, withdrawn=True
                )
                continue
            new = item(kind, old.ref, fix["item"])
            new.repaired = True
            out[old.ref] = new
    return [out[p.ref] for p in failing]
