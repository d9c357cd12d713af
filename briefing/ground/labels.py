"""Labels checked against the article's words: an agreement's kind and status, whether an
official is a person at all, and whether a field holds content or the request echoed back.

Quotes prove that a passage exists; they do not prove what the model called it. A grounded
memorandum labelled "treaty, signed" on a text that says it creates no obligations is still a
false statement, so every label that the article's own words can contradict at low cost is
checked here: by word lists over the sentences the item rests on, never by another model call.
A label that fails is repaired to what those words support (the reason is returned for the run
record); one that cannot be repaired is reported so that the item is dropped, not rendered.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from pydantic import BaseModel

from briefing.extract.sections import sentence_spans
from briefing.ground.names import fold_name
from briefing.ground.quotes import mentioned

# -- agreements ---------------------------------------------------------------------------

# The words an article uses for each kind. Kinds that name a legal form must be the article's
# word for the item; "agreement", "deal" and "other" are plain words for any of them.
KIND_WORDS: dict[str, re.Pattern[str]] = {
    "memorandum_of_understanding": re.compile(r"\bmemorand(?:um|a)\b|\bmous?\b"),
    "treaty": re.compile(r"\btreat(?:y|ies)\b|\bconventions?\b"),
    "pact": re.compile(r"\bpacts?\b"),
    "ceasefire": re.compile(r"\bcease-?fires?\b|\btruces?\b|\barmistices?\b"),
    "joint_statement": re.compile(
        r"\bjoint(?:ly)?\b.{0,40}\b(?:statements?|declarations?|communiqu[eé]s?)\b"
        r"|\bcommuniqu[eé]s?\b|\bstatements?\b"
    ),
    "declaration": re.compile(r"\bdeclarations?\b"),
    "framework": re.compile(r"\bframeworks?\b"),
    "letter_of_intent": re.compile(r"\bletters?\s+of\s+intent\b|\blois?\b"),
    "contract": re.compile(r"\bcontracts?\b"),
    "agreement": re.compile(r"\bagreements?\b|\baccords?\b"),
    "deal": re.compile(r"\bdeals?\b"),
}
# "joint_statement" is what several parties issue together, whatever the article calls it
# ("conclusions", "readout"), so it is not checked either.
CHECKED_KINDS = (
    "treaty", "memorandum_of_understanding", "pact", "ceasefire", "contract", "declaration",
    "framework", "letter_of_intent",
)  # fmt: skip

# A text that says it binds no one: not a treaty, and nothing to ratify.
NOT_BINDING = re.compile(
    r"\b(?:not|non)[- ]?legally[- ]binding\b"
    r"|\bnon-?binding\b"
    r"|\bnot\s+(?:be\s+)?binding\b"
    r"|\bpolitical\s+commitments?\b"
    r"|\b(?:does|do|will|shall)\s+not\s+create\s+(?:any\s+)?(?:legal\s+)?(?:rights|obligations)"
    r"|\bnot\s+(?:a|an)\s+(?:international\s+)?(?:treaty|agreement)\b"
    r"|\bno\s+legal(?:ly)?\s+(?:binding\s+)?(?:force|effect|obligations?)\b"
)

# Statuses whose word the article must use for the item; the others ("agreed", "in_force",
# "proposed"...) are often shown rather than said, and are left to the model.
STATUS_WORDS: dict[str, re.Pattern[str]] = {
    "signed": re.compile(r"\bsign(?:s|ed|ing)?\b|\bsignator|\bsignature|\binked\b"),
    "ratified": re.compile(r"\bratif(?:y|ied|ies|ying|ication)\b"),
}
AGREED_WORDS = re.compile(
    r"\bagree(?:s|d)?\b|\bentered\s+into\b|\breached\b|\bstruck\b|\bconcluded\b|\bcommit(?:s|ted)?\b"
    r"|\bendorsed?\b|\badopted\b|\bsealed\b|\baccepted\b"
)


@dataclass(frozen=True)
class LabelFix:
    """One label the article contradicts: the field, what the model said, what the article
    supports instead, and why."""

    field: str
    given: str
    value: str
    reason: str


def around(spans: Iterable[tuple[int, int]], article: str) -> list[str]:
    """The article's sentences that hold (or overlap) the given spans."""
    sentences = _sentences(article)
    wanted = list(spans)
    return [article[s:e] for s, e in sentences if any(s < b and a < e for a, b in wanted)]


@cache
def _sentences(article: str) -> tuple[tuple[int, int], ...]:
    return tuple(sentence_spans(article))


def about(
    title: str, spans: Iterable[tuple[int, int]], article: str, *, whole: bool, heading: str = ""
) -> str:
    """What the article says about an item, folded: the sentences of its evidence, the
    sentences that name it (its title, two of its title's distinctive words, or the legal form
    its title names: "the memorandum") and
    its title when the article uses it; the whole article and its heading when the article is
    the item itself. A title the model made up adds nothing."""
    parts = [title if mentioned(title, article) else "", *around(spans, article)]
    if whole:
        parts += [heading, article]
    else:
        keys = _key_words(title)
        need = min(len(keys), 2)
        kinds = [KIND_WORDS[k] for k in named_kinds(fold_name(title)) if k in CHECKED_KINDS]
        for s, e in _sentences(article):
            sentence = fold_name(article[s:e])
            words = set(re.findall(r"\w+", sentence))
            if (need and len(keys & words) >= need) or any(k.search(sentence) for k in kinds):
                parts.append(article[s:e])
    return fold_name("\n".join(parts))


_NOT_KEY = frozenset(
    {"the", "of", "on", "and", "for", "a", "an", "between", "with", "to", "in", "at", "by",
     "its", "their", "new", "this", "that"}
)  # fmt: skip


def _key_words(title: str) -> set[str]:
    """The words that name this item rather than any agreement: "Paris", "climate"."""
    words = set(re.findall(r"\w+", fold_name(title))) - _NOT_KEY
    generic = {w for w in words if any(p.fullmatch(w) for p in KIND_WORDS.values())}
    return {w for w in words - generic if len(w) > 2 and not w.isdigit()}


def named_kinds(context: str) -> list[str]:
    """The kinds whose words the text uses, in the order of KIND_WORDS."""
    return [kind for kind, words in KIND_WORDS.items() if words.search(context)]


def check_agreement(
    *,
    kind: str,
    status: str,
    title: str,
    role: str,
    spans: Sequence[tuple[int, int]],
    article: str,
    heading: str = "",
) -> list[LabelFix]:
    """The kind and status the article's words about the agreement contradict, each with the
    label they support instead (kind: the word the article uses; status: one it words).
    `heading` is the article's own title, part of what a document says about itself."""
    context = about(title, spans, article, whole=role == "document", heading=heading)
    fixes: list[LabelFix] = []
    named = named_kinds(context)
    in_title = named_kinds(fold_name(title))
    if kind in in_title and kind in named_kinds(fold_name(article)):
        named.append(kind)  # "Memorandum on IMEC" in an article that names a memorandum
    binding_denied = NOT_BINDING.search(context) is not None or (
        role == "document" and NOT_BINDING.search(fold_name(article)) is not None
    )
    if kind in CHECKED_KINDS and kind not in named:
        value = _supported_kind(named or named_kinds(fold_name(article)), exclude=kind)
        fixes.append(
            LabelFix(
                "kind",
                kind,
                value,
                f"kind: the article does not call it a {_words(kind)}; shown as {_words(value)}",
            )
        )
    elif kind == "treaty" and binding_denied:
        value = _supported_kind(named or named_kinds(fold_name(article)), exclude="treaty")
        fixes.append(
            LabelFix(
                "kind",
                kind,
                value,
                "kind: the text says it creates no legal obligations, so it is not a treaty; "
                f"shown as {_words(value)}",
            )
        )
    if status in STATUS_WORDS and not STATUS_WORDS[status].search(context):
        value = _supported_status(context, below=status)
        fixes.append(
            LabelFix(
                "status",
                status,
                value,
                f"status: nothing the article says about it is {_words(status)}; "
                f"shown as {_words(value)}",
            )
        )
    elif status in ("ratified", "in_force") and binding_denied and kind == "treaty":
        value = _supported_status(context, below="ratified")
        fixes.append(
            LabelFix(
                "status",
                status,
                value,
                f"status: the text says it creates no legal obligations, so it is not "
                f"{_words(status)} as a treaty; shown as {_words(value)}",
            )
        )
    return fixes


def _supported_kind(named: list[str], *, exclude: str) -> str:
    specific = [k for k in named if k in CHECKED_KINDS and k != exclude]
    if len(specific) == 1:
        return specific[0]
    return next((k for k in ("agreement", "deal") if k in named), "other")


def _supported_status(context: str, *, below: str) -> str:
    """The furthest status the text words that is short of `below`."""
    if below == "ratified" and STATUS_WORDS["signed"].search(context):
        return "signed"
    return "agreed" if AGREED_WORDS.search(context) else "unknown"


def _words(label: str) -> str:
    return label.replace("_", " ")


# -- officials ----------------------------------------------------------------------------

# Words that make a name a body's: "Ministry of Defence", "the Commission".
BODY_WORDS = frozenset(
    {
        "ministry", "government", "council", "agency", "department", "office", "committee",
        "commission", "parliament", "assembly", "army", "forces", "guard", "police", "embassy",
        "bank", "union", "organization", "organisation", "republic", "kingdom", "federation",
        "nations", "states", "court", "party", "command", "administration", "authority",
        "emirates", "cabinet", "senate", "congress", "coalition", "alliance", "secretariat",
        "directorate", "bureau", "corporation", "company", "group", "institute", "university",
        "tribunal", "junta", "regime", "navy", "militia", "movement", "front", "delegation",
        "presidency", "mission", "consulate", "legislature", "county", "province", "region",
        "city", "municipality", "people", "participants", "governments", "countries", "sides",
    }
)  # fmt: skip
# Names of states that ISO 3166 words formally ("Russian Federation") and the buildings and
# bodies that news writes for a government; pycountry holds the rest.
STATE_NAMES = frozenset(
    {
        "russia", "britain", "great britain", "england", "scotland", "wales", "turkey",
        "america", "the us", "the uk", "us", "uk", "usa", "u.s.", "u.k.", "uae", "eu", "un",
        "nato", "opec", "asean", "ivory coast", "burma", "vatican", "holland", "kosovo",
        "gaza", "west bank", "north macedonia", "czech republic", "the white house",
        "white house", "kremlin", "the kremlin", "pentagon", "the pentagon", "downing street",
        "elysee", "the elysee", "quai d'orsay", "state department", "whitehall", "beijing",
        "moscow", "washington", "london", "paris", "tehran", "kyiv", "kiev", "brussels",
        "g7", "g20", "imf", "who", "wto", "iaea", "icc", "icj", "osce", "african union",
    }
)  # fmt: skip
# A role or reference, not a name: every word of it is one of these.
ROLE_WORDS = frozenset(
    {
        "president", "minister", "secretary", "chancellor", "ambassador", "spokesman",
        "spokeswoman", "spokesperson", "general", "senator", "governor", "mayor", "chief",
        "director", "chairman", "chairwoman", "chair", "speaker", "king", "queen", "prince",
        "princess", "sheikh", "emir", "amir", "sultan", "pope", "mr", "mrs", "ms", "dr", "gen",
        "sen", "rep", "he", "she", "h.e", "prime", "foreign", "deputy", "vice", "crown",
        "first", "lady", "envoy", "official", "officials", "the", "a", "an", "of", "for",
        "and", "state", "defence", "defense", "interior", "finance", "affairs", "justice",
        "attorney", "representative", "commissioner", "premier", "leader", "head", "admiral",
        "commander", "colonel", "lieutenant", "executive", "ceo", "senior", "high", "trade",
        "economy", "health", "energy", "national", "security", "adviser", "advisor", "his",
        "her", "their", "its", "top", "former", "acting", "special", "assistant", "undersecretary",
        "under-secretary", "economic", "spokespeople", "diplomat", "diplomats", "source",
        "sources", "negotiator", "negotiators", "counterpart", "counterparts", "mediator",
    }
)  # fmt: skip
_NAME_WORD = r"[A-Z][\w'\u2019.-]*"
_ACRONYM_AFTER = re.compile(
    rf"({_NAME_WORD}(?:\s+(?:of|the|and|for|{_NAME_WORD}))+)\s*\(([A-Z][A-Za-z.]{{1,7}})\)"
)


@cache
def _place_names() -> frozenset[str]:
    """Country, historic country and subdivision names from ISO 3166 (pycountry), in every
    form it gives ("Iran, Islamic Republic of" also as "Iran"), folded."""
    import pycountry

    names: set[str] = set()
    for country in [*pycountry.countries, *pycountry.historic_countries]:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            if isinstance(value, str):
                names |= {value, value.split(",")[0], f"the {value}"}
    names |= {s.name for s in pycountry.subdivisions if len(s.name) > 3}
    return frozenset(_fold(n) for n in names)


def _fold(text: str) -> str:
    return " ".join(re.findall(r"[\w.'-]+", fold_name(text))).strip(" .")


def _titled_person(name: str) -> bool:
    """A person named with the body they serve in front ("Foreign Ministry spokesperson Wang
    Wenbin", "Head of the International Policy Bureau Kumoch", "Prime Minister Johnson of the
    United Kingdom"): a role word, then a last word that is a name, not a role or a body."""
    parts = re.split(r"\s+of\s+", name.strip(), maxsplit=1)
    head = parts[0].split()
    last_of_head = _fold(head[-1]) if head else ""
    words = head if len(head) > 1 and last_of_head not in ROLE_WORDS | BODY_WORDS else name.split()
    folded = [_fold(w) for w in words]
    return (
        len(words) > 1
        and words[-1][:1].isupper()
        and folded[-1] not in ROLE_WORDS | BODY_WORDS | STATE_NAMES
        and folded[-1] not in _place_names()
        and any(w in ROLE_WORDS - {"the", "a", "an", "of", "for", "and"} for w in folded[:-1])
    )


def _surname_in(name: str, article: str) -> bool:
    """Whether the article writes `name` after a capitalised word, as a surname ("Anze Logar"
    for "Logar", "Jim Jordan" for "Jordan"): then it may be a person as well as a place."""
    pattern = r"\b[A-Z][\w'\u2019.-]*[\s\u00a0]+" + re.escape(name.strip()) + r"\b"
    for match in re.finditer(pattern, article):
        before = match.group().split()[0].strip(".")
        if before.casefold() not in _NOT_KEY | {"in", "from", "to", "said", "with"}:
            return True
    return False


def article_bodies(article: str) -> frozenset[str]:
    """Acronyms the article defines for a state or body: "the United Arab Emirates (UAE)"."""
    found: set[str] = set()
    for match in _ACRONYM_AFTER.finditer(article):
        long, short = match.group(1), match.group(2)
        if not_a_person(long, article, check_acronyms=False):
            found.add(_fold(short))
    return frozenset(found)


def not_a_person(
    name: str, article: str, bodies: Iterable[str] = (), *, check_acronyms: bool = True
) -> str | None:
    """Why `name` is not a person's name (a state, body, place or role, in the spelling the
    article or the rest of the answer uses for it), or None when it may be one."""
    folded = _fold(name)
    if not folded:
        return "it is empty"
    bare = folded.removeprefix("the ")
    words = folded.replace("-", " ").split()
    if all(w.strip(".") in ROLE_WORDS for w in words):
        return "a title or a reference, not a name"
    if folded in STATE_NAMES or bare in STATE_NAMES:
        return "a state or a place"
    if (folded in _place_names() or bare in _place_names()) and not _surname_in(name, article):
        return "a state or a place"
    if any(w.strip(".") in BODY_WORDS for w in words) and not _titled_person(name):
        return "a state or a body"
    own = {_fold(b).removeprefix("the ") for b in bodies if b and b.strip()}
    if bare in own:
        return "the answer itself names it as a state or a body"
    if check_acronyms and bare in article_bodies(article):
        return "the article's own short name for a state or a body"
    return None


# -- fields that are not content ------------------------------------------------------------

SCHEMA_PATH = re.compile(r"#/\$?defs/|\$ref\b|\"type\"\s*:|\bproperties\"?\s*:")
ABOUT_THE_ARTICLE = re.compile(
    r"\bsentences?\s*\[?\s*\d+|\[\d+\]"
    r"|\b(?:the|this)\s+(?:article|text|passage|source\s+text)\s+"
    r"(?:states?|says?|reports?|mentions?|notes?|describes?|indicates?)\b"
)


@cache
def _schema_texts() -> frozenset[str]:
    """Every description and name in the response schemas: what an answer that echoes the
    request back is made of."""
    from briefing.extract.schema import DRAFTS, Extraction

    texts: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "description" and isinstance(value, str):
                    texts.add(value)
                if key == "$defs" and isinstance(value, dict):
                    texts.update(value)
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    models: list[type[BaseModel]] = [Extraction, *DRAFTS.values()]
    for model in models:
        walk(model.model_json_schema())
        texts.add(model.__name__)
    return frozenset(f for t in texts if (f := _echo_fold(t)))


def _echo_fold(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def echo(text: str | None) -> str | None:
    """Why a field's text is the request echoed back (a schema path, a field's description or
    name), or None when it is content."""
    if not text or not text.strip():
        return None
    if SCHEMA_PATH.search(text):
        return f"{_short(text)} is a path in the answer schema, not content"
    if _echo_fold(text) in _schema_texts():
        return f"{_short(text)} is the answer schema's own wording, not content"
    return None


def not_content(text: str | None) -> str | None:
    """Why a field's text is not content: an echo of the request, or the answer describing
    the article ("The article states this directly in sentence [1]")."""
    why = echo(text)
    if why or not text:
        return why
    if ABOUT_THE_ARTICLE.search(fold_name(text)):
        return f"{_short(text)} describes the article, not the item"
    return None


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "\u2026")
