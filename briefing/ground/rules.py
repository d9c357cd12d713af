"""The rules an item must pass before it is rendered as fact, each failure worded so that the
model can fix the item from the message alone."""

from __future__ import annotations

from typing import Any

from briefing.extract.schema import AgreementDraft, ClaimDraft, Draft, OfficialDraft
from briefing.ground.labels import not_a_person
from briefing.ground.quotes import MIN_QUOTE_CHARS, ground, mentioned, names_person


def item_problems(item: Draft, article: str) -> list[str]:
    """The problems of one evidenced item, each a sentence that says how to fix it."""
    found: list[str] = []
    quotes = [q for q in getattr(item, "evidence", []) if q.strip()]
    if not quotes:
        found.append("evidence: give at least one quote copied from the article")
    for i, quote in enumerate(quotes):
        if len(quote.strip(" \"'\u201c\u201d\u2018\u2019")) < MIN_QUOTE_CHARS:
            found.append(
                f"evidence[{i}]: {quote!r} is too short to show anything; quote the whole clause"
            )
        elif ground(quote, article) is None:
            why = (
                "is shortened with an ellipsis"
                if "..." in quote or "\u2026" in quote
                else ("is not in the article word for word")
            )
            found.append(
                f"evidence[{i}]: {quote!r} {why}; copy one passage exactly, or withdraw the item"
            )
    if isinstance(item, AgreementDraft):
        found += _agreement_problems(item, article)
    if isinstance(item, OfficialDraft):
        found += _official_problems(item, article)
    if isinstance(item, ClaimDraft) and _a_sentence(item.claimant, item.statement):
        found.append(
            f"claimant: {item.claimant!r} is a sentence, not who makes the claim; name the "
            "speaker as the article does, or withdraw the item if no one makes it"
        )
    return found


def _a_sentence(claimant: str, statement: str) -> bool:
    """A claimant that repeats the statement, or is itself a sentence ending in a full stop, is
    a sentence of the text and not a speaker (a long description of one is still a speaker:
    "an environmental group and private property owners from the border state of Texas")."""
    words = claimant.split()
    same = claimant.strip(" .").casefold() == statement.strip(" .").casefold()
    ended = claimant.rstrip().endswith((".", "!", "?")) and len(words) > 6
    return (same and len(words) > 3) or ended


_NOT_A_PERSON = "is not a person ("


def repairable(problems: list[str]) -> bool:
    """Whether asking the model again could fix these problems: a state, body or place given
    as an official can only be withdrawn, which costs a request for nothing."""
    return not any(_NOT_A_PERSON in problem for problem in problems)


def _agreement_problems(item: AgreementDraft, article: str) -> list[str]:
    found = []  # no parties is no problem: an agreement the article only mentions names none
    if item.date is not None and not mentioned(item.date.text, article):
        found.append(
            f"date.text: {item.date.text!r} is not in the article; copy the article's own "
            "words for the date, or use null"
        )
    found += [
        f"signatories[{i}]: {name!r} is not in the article; write names as the article does"
        for i, name in enumerate(item.signatories)
        if not mentioned(name, article)
    ]
    if item.place and not _place_mentioned(item.place, article):
        found.append(
            f"place: {item.place!r} is not in the article; use the article's words or null"
        )
    return found


def _place_mentioned(place: str, article: str) -> bool:
    """A place is the article's words, or built from them ("Lancaster House, London")."""
    parts = [p.strip() for p in place.split(",") if p.strip()]
    return mentioned(place, article) or (bool(parts) and all(mentioned(p, article) for p in parts))


def _official_problems(item: OfficialDraft, article: str) -> list[str]:
    found = []
    if not mentioned(item.name, article):
        found.append(
            f"name: {item.name!r} is not in the article; write the name as the article spells it"
        )
    words = [w.strip(".,").casefold() for w in item.name.split()]
    forms = [item.name, *item.other_names]
    own = [item.country or "", item.affiliation or ""]
    why = not_a_person(item.name, article, own) if words else None
    if why and why.startswith("a title"):
        found.append(
            f"name: {item.name!r} is a title, not a name; give the person's name as the article "
            "spells it, or withdraw the item if the article does not name them"
        )
    elif why:
        found.append(
            f"name: {item.name!r} {_NOT_A_PERSON}{why}); withdraw it (it belongs in an "
            "affiliation, a party or a claimant)"
        )
    elif words and not any(names_person(q, forms) for q in item.evidence if q.strip()):
        found.append(
            f"evidence: no quote names {item.name}; quote a passage of the article that does"
        )
    found += [
        f"other_names[{i}]: {name!r} is not in the article; list only forms the article uses"
        for i, name in enumerate(item.other_names)
        if not mentioned(name, article)
    ]
    return found


SECONDARY = ("date.text:", "signatories[", "place:", "other_names[")


def without_unsupported(item: Draft, problems: list[str]) -> tuple[Draft, list[str]] | None:
    """When the only problems are fields the article does not support (a date it does not
    word, a signatory or other name it does not name, a place it does not give), the item
    without those fields, and what was taken out; the item itself still stands on its quotes.
    None when any other problem remains."""
    if not problems or not all(p.startswith(SECONDARY) for p in problems):
        return None
    removed = [p.split(":", 1)[0] for p in problems]
    update: dict[str, object] = {}
    if isinstance(item, AgreementDraft):
        if any(r == "date.text" for r in removed):
            update["date"] = None
        if any(r == "place" for r in removed):
            update["place"] = None
        bad = {int(r[12:-1]) for r in removed if r.startswith("signatories[")}
        update["signatories"] = [n for i, n in enumerate(item.signatories) if i not in bad]
    if isinstance(item, OfficialDraft):
        bad = {int(r[12:-1]) for r in removed if r.startswith("other_names[")}
        update["other_names"] = [n for i, n in enumerate(item.other_names) if i not in bad]
    reason = "removed what the article does not support: " + "; ".join(
        p.split(";")[0] for p in problems
    )
    return item.model_copy(update=update), [reason]


def spans(quotes: list[str], article: str) -> list[tuple[int, int]]:
    """The article spans of the quotes that ground, in order, each once."""
    return sorted({span for q in quotes if (span := ground(q, article)) is not None})


def passages_for(item: Any, problems: list[str], article: str) -> list[str]:
    """For a repair request: the closest article passage to each quote or name that failed."""
    from briefing.ground.quotes import closest_passage

    wanted: list[str] = [q for q in getattr(item, "evidence", []) if ground(q, article) is None]
    if any(
        p.startswith(("name:", "other_names", "signatories", "place", "date")) for p in problems
    ):
        wanted += [str(getattr(item, "name", "") or getattr(item, "place", "") or "")]
    passages: list[str] = []
    for text in wanted:
        passage = closest_passage(text, article)
        if passage and passage not in passages:
            passages.append(passage)
    return passages[:3]
