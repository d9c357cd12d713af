"""The language of an article, guessed by py3langid: a naive Bayes classifier over byte
n-grams (the langid.py model, some 140 labels) that ships inside the package, so nothing is
downloaded at run time.

It tells apart languages that share a script (Ukrainian from Russian, Persian from Arabic),
which a script test cannot. The guess is restricted to languages with a two-letter ISO 639-1
code, so dialect labels such as Moroccan Arabic (`ary`) fold into their language (`ar`).
Text with too few letters, or that the model cannot place with confidence, stays unknown.

The model loads once per process, on the first guess (about a second).
"""

from __future__ import annotations

import functools
from typing import Any

MIN_LETTERS = 20
MIN_CONFIDENCE = 0.5
SAMPLE_CHARS = 10_000


@functools.cache
def _identifier() -> Any:
    from py3langid.langid import (  # type: ignore[import-untyped]
        MODEL_FILE,
        LanguageIdentifier,
    )

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages([code for code in identifier.labels if len(code) == 2])
    return identifier


def guess_language(text: str) -> str | None:
    """An ISO 639-1 code, or None when the text gives too little to go on."""
    sample = text[:SAMPLE_CHARS]
    if sum(1 for c in sample if c.isalpha()) < MIN_LETTERS:
        return None
    code, confidence = _identifier().classify(sample)
    return str(code) if confidence >= MIN_CONFIDENCE else None
