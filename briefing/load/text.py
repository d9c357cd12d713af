"""Making input text fit to brief: HTML reduced to its text, and the language guessed.

Both stay small and dependency-free on purpose: the HTML we meet is saved news pages, and the
language only needs to be recorded (the model reads any language), not translated.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

_BLOCKS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
    "section", "article", "header", "footer", "blockquote", "pre", "figure", "figcaption", "hr",
}  # fmt: skip
_SKIP = {"script", "style", "noscript", "template", "svg", "head", "nav", "iframe", "form"}


def looks_like_html(text: str) -> bool:
    head = text.lstrip()[:1000].lower()
    if head.startswith(("<!doctype html", "<html", "<?xml")):
        return True
    tags = len(re.findall(r"</?(?:p|div|span|a|br|body|html|h[1-6]|li|article)\b", head))
    return tags >= 3


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.title: str | None = None
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
        elif tag == "title":
            self._in_title = True
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and self.skipping:
            self.skipping -= 1
        elif tag == "title":
            self._in_title = False
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title = (self.title or "") + data
        elif not self.skipping:
            self.parts.append(data)


def html_to_text(markup: str) -> tuple[str, str | None]:
    """The visible text of an HTML page, paragraphs kept, and its <title>."""
    parser = _Text()
    parser.feed(markup)
    parser.close()
    text = html.unescape("".join(parser.parts))
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    title = " ".join(parser.title.split()) if parser.title else None
    return "\n\n".join(p for p in paragraphs if p), title or None


# The most frequent function words per language: enough to tell them apart in a news article.
_STOPWORDS = {
    "en": "the of and to in that is for on with was said by as from",
    "de": "der die und das den von zu mit sich des ist nicht dem ein eine",
    "fr": "le la les de des et en du un une est que pour dans qui",
    "es": "el la los las de y en que del por un una para con se",
    "it": "il di che la le per un una del della sono con non gli",
    "pt": "o a os as de que do da em um uma para com não por",
    "nl": "de het een en van in is op te dat met voor zijn niet",
    "tr": "ve bir bu da de için ile olarak olan daha çok gibi",
    "id": "yang dan di ini itu dengan untuk dari dalam tidak akan",
}
_SCRIPTS = [
    ("ru", r"[\u0400-\u04ff]"),
    ("ar", r"[\u0600-\u06ff]"),
    ("he", r"[\u0590-\u05ff]"),
    ("zh", r"[\u4e00-\u9fff]"),
    ("ja", r"[\u3040-\u30ff]"),
    ("ko", r"[\uac00-\ud7af]"),
    ("el", r"[\u0370-\u03ff]"),
    ("hi", r"[\u0900-\u097f]"),
]


def guess_language(text: str) -> str | None:
    """An ISO 639-1 code, or None when the text gives too little to go on.

    Persian and Arabic share a script, as do Russian and Ukrainian: such text is labelled by
    its script's most common language, which is enough to flag that it is not English.
    """
    sample = text[:5000]
    letters = [c for c in sample if c.isalpha()]
    if len(letters) < 20:
        return None
    for code, script in _SCRIPTS:
        if len(re.findall(script, sample)) > len(letters) * 0.3:
            return "ja" if code == "zh" and re.search(r"[\u3040-\u30ff]", sample) else code
    words = re.findall(r"[^\W\d_]+", sample.lower())
    scores = {
        code: sum(1 for w in words if w in set(vocab.split())) for code, vocab in _STOPWORDS.items()
    }
    best = max(scores, key=lambda code: scores[code])
    return best if scores[best] >= 3 else None
