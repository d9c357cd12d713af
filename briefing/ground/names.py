"""Personal names split and compared: the rules one article's merge and the digest share.

Kept apart from `briefing.ground.people` so that other stages (the digest) compare names by the
same rules through public names.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

HONORIFICS = {
    "mr", "mrs", "ms", "dr", "prof", "gen", "general", "lt", "col", "colonel", "maj", "adm",
    "admiral", "sir", "dame", "lord", "sheikh", "president", "prime", "minister", "secretary",
    "chancellor", "king", "queen", "prince", "senator", "sen", "rep", "ambassador", "judge",
    "amir", "emir", "sultan", "sheikha", "crown", "princess", "emperor", "he", "hrh", "vice",
    "deputy", "hm", "majesty",
}  # fmt: skip
PARTICLES = {
    "al", "el", "bin", "ibn", "bint", "von", "van", "der", "den", "de", "da", "di", "du", "the",
}  # fmt: skip
SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}
PATRONYMIC = {"bin", "ibn", "bint", "ben"}
SPELLING_SIMILARITY = 0.75
NOT_CORE = HONORIFICS | PARTICLES | SUFFIXES


@dataclass(frozen=True)
class Name:
    """A name split for comparison: `core` without honorifics, particles and suffixes."""

    text: str
    words: tuple[str, ...]
    core: tuple[str, ...]
    is_reference: bool  # "the newly appointed Iranian Police Chief", not a name

    @classmethod
    def of(cls, text: str) -> Name:
        """The parse of `text`, cached: names recur in every pairwise comparison."""
        return _parse(text)

    @classmethod
    def parse(cls, text: str) -> Name:
        words = tuple(re.findall(r"\w+(?:'\w+)*", fold_name(text)))
        core = tuple(w for w in words if w not in NOT_CORE)
        determiner = text.strip().lower().startswith(("the ", "a ", "an ", "his ", "her "))
        lower_start = text[:1].islower() and (not words or words[0] not in PARTICLES)
        return cls(text, words, core, determiner or lower_start or not core)

    @property
    def surname(self) -> str:
        return self.core[-1]

    @property
    def patronymic(self) -> bool:
        """ "Mohammed bin Salman": the last word is a father's name, not a family name."""
        return len(self.words) > 1 and self.words[-2] in PATRONYMIC


def untitled(names: Sequence[Name]) -> list[Name]:
    """`names` less the forms that are another of them with words before it ("Labour Party
    leader Jeremy Corbyn" beside "Jeremy Corbyn"): those words are a title the model wrote
    into the name, and read as first names they would make him someone else."""
    full = [n.core for n in names if len(n.core) > 1]
    return [
        n
        for n in names
        if not any(len(core) < len(n.core) and n.core[-len(core) :] == core for core in full)
    ]


def fold_name(text: str) -> str:
    """A name folded for comparison in any script: NFKC, case folded, accents dropped (so
    that "Erdoğan" meets "Erdogan"), letters of every alphabet kept."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=4096)
def _parse(text: str) -> Name:
    return Name.parse(text)


def similar(a: str, b: str) -> bool:
    """Two folded words spelled alike: the same, or the same first letter and close."""
    return a == b or (
        a[:1] == b[:1] and difflib.SequenceMatcher(None, a, b).ratio() >= SPELLING_SIMILARITY
    )


def first_names_agree(a: Name, b: Name) -> bool:
    fa, fb = a.core[:-1], b.core[:-1]
    if len(fa) == 1 and len(fb) == 1 and min(len(fa[0]), len(fb[0])) == 1:
        return fa[0][0] == fb[0][0]  # "J. Smith" and "John Smith"
    return fa == fb
