"""Input clean-up: HTML pages reduced to their text, languages recorded, huge files refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefing import Article, InputError, load_article
from briefing.load.article import MAX_FILE_BYTES
from briefing.load.text import guess_language, html_to_text

PAGE = """<!DOCTYPE html><html><head><title>Vienna &amp; the Accord</title>
<style>p { color: red }</style><script>track("visit")</script></head>
<body><nav><a href="/">Home</a></nav><article><h1>Accord signed</h1>
<p>The ministers signed the <b>Vienna Accord</b> on Monday.</p>
<p>&ldquo;It ends the dispute,&rdquo; Minister Anna&nbsp;Berg said.</p></article></body></html>"""


def test_html_page_becomes_its_visible_text(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(PAGE)
    article = load_article(path)
    assert article.converted_from == "html"
    assert article.title == "Vienna & the Accord"
    assert article.text.split("\n\n") == [
        "Accord signed",
        "The ministers signed the Vienna Accord on Monday.",
        "\u201cIt ends the dispute,\u201d Minister Anna Berg said.",
    ]
    assert (
        "track" not in article.text and "color" not in article.text and "Home" not in article.text
    )


def test_plain_text_with_angle_brackets_is_not_html() -> None:
    article = Article.from_string("The vote was 5 < 7 and the <b> tag is fine in prose.")
    assert article.converted_from is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Der Minister sagte, dass die Verhandlungen mit der Regierung nicht zu Ende sind.", "de"),
        (
            "Le ministre a dit que les négociations avec le gouvernement sont finies pour la paix.",
            "fr",
        ),
        ("El ministro dijo que las negociaciones con el gobierno de la región terminaron.", "es"),
        ("Министр иностранных дел заявил в понедельник, что переговоры продолжаются.", "ru"),
        ("وقال وزير الخارجية إن المفاوضات مستمرة مع الحكومة في العاصمة", "ar"),
        ("The minister said that the talks with the government were over for now.", "en"),
    ],
)
def test_language_is_guessed_and_recorded(text: str, code: str) -> None:
    assert guess_language(text) == code
    assert Article.from_string(text).language == code


def test_header_language_wins_and_short_text_stays_unknown() -> None:
    assert Article.from_string("date 2020-01-01\nlanguage de\n\nThe talks ended.").language == "de"
    assert Article.from_string("Talks ended.").language is None


def test_huge_file_is_refused_before_reading(tmp_path: Path) -> None:
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing is written or read
    with pytest.raises(InputError, match="far more than a news article"):
        load_article(huge)


def test_html_to_text_keeps_paragraphs() -> None:
    text, title = html_to_text("<div>One</div><div>Two <i>three</i></div>")
    assert (text, title) == ("One\n\nTwo three", None)
