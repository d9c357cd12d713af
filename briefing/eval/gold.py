"""Gold annotations (`briefing-gold/1`, documented in docs/gold-format.md): one JSON file per
article saying what its briefing must contain, checked against the article on load."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from briefing.errors import InputError
from briefing.extract.schema import AgreementKind, AgreementRole, AgreementStatus, ClaimKind
from briefing.load.article import Article, load_article

FORMAT = "briefing-gold/1"


class _Gold(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Span(_Gold):
    start: int = Field(ge=0)
    end: int
    text: str


class GoldAgreement(_Gold):
    id: str
    title: str
    kind: AgreementKind
    role: AgreementRole
    parties: list[str]
    signatories: list[str]
    status: AgreementStatus
    date: str | None = Field(description="TimeML value resolved by the annotator.")
    date_text: str | None
    place: str | None
    spans: list[Span] = Field(min_length=1)


class GoldOfficial(_Gold):
    id: str
    name: str
    names: list[str] = Field(description="Every form the article uses for the person.")
    title: str | None
    affiliation: str | None
    country: str | None
    spans: list[Span] = Field(min_length=1)


class GoldClaim(_Gold):
    id: str
    claimant: str
    kind: ClaimKind
    target: str | None
    statement: str
    spans: list[Span] = Field(min_length=1)


class Annotation(_Gold):
    by: str
    method: str
    date: str


class Gold(_Gold):
    """What a briefing of one article must contain."""

    format: Literal["briefing-gold/1"]
    article: str = Field(description="The article file, relative to the gold file's project.")
    text_sha256: str
    published: str | None
    annotation: Annotation
    agreements: list[GoldAgreement]
    officials: list[GoldOfficial]
    claims: list[GoldClaim]
    notes: list[str] = []


def schema() -> dict[str, object]:
    """The JSON Schema of a gold file (shipped as gold.schema.json)."""
    return Gold.model_json_schema()


def _article_path(gold_file: Path, relative: str) -> Path:
    for base in (Path.cwd(), *gold_file.resolve().parents):
        if (base / relative).is_file():
            return base / relative
    raise InputError(f"{gold_file}: its article {relative} is not found from here or above it")


def load_gold(path: str | os.PathLike[str]) -> tuple[Gold, Article]:
    """A gold file and its article, with the hash and every span checked."""
    file = Path(path)
    try:
        gold = Gold.model_validate_json(file.read_bytes())
    except (OSError, ValidationError, ValueError) as exc:
        raise InputError(f"{file}: not a {FORMAT} file ({str(exc).splitlines()[0]})") from None
    article = load_article(_article_path(file, gold.article))
    digest = hashlib.sha256(article.text.encode()).hexdigest()
    if digest != gold.text_sha256:
        raise InputError(f"{file}: the article {gold.article} changed since it was annotated")
    for group in (gold.agreements, gold.officials, gold.claims):
        for item in group:
            for span in item.spans:
                if article.text[span.start : span.end] != span.text:
                    raise InputError(
                        f"{file}: {item.id}'s span {span.start}-{span.end} is not {span.text!r}"
                    )
    return gold, article


def gold_files(folder: str | os.PathLike[str]) -> list[Path]:
    files = sorted(Path(folder).glob("*.json"))
    if not files:
        raise InputError(f"{folder}: no gold files (*.json)")
    return files


if __name__ == "__main__":  # python -m briefing.eval.gold > briefing/eval/gold.schema.json
    print(json.dumps(schema(), indent=2))
