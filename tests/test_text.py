"""Input clean-up: web pages reduced to their article, languages recorded, huge files refused."""

# Cyrillic samples hold letters that look Latin; they are meant.
# ruff: noqa: RUF001

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from briefing import Article, InputError, load_article
from briefing.load.article import MAX_FILE_BYTES, NO_ARTICLE_BODY
from briefing.load.html import read_page
from briefing.load.text import guess_language, html_to_text

PAGES = Path(__file__).parent / "data" / "pages"

PAGE = """<!DOCTYPE html><html><head><title>Vienna &amp; the Accord</title>
<style>p { color: red }</style><script>track("visit")</script></head>
<body><nav><a href="/">Home</a></nav><article><h1>Accord signed</h1>
<p>The ministers signed the <b>Vienna Accord</b> on Monday.</p>
<p>&ldquo;It ends the dispute,&rdquo; Minister Anna&nbsp;Berg said.</p></article></body></html>"""


def test_html_page_becomes_its_article_text(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(PAGE)
    article = load_article(path)
    assert article.converted_from == "html"
    assert article.title == "Accord signed"  # the page's headline, as its metadata gives it
    assert article.text.split("\n\n") == [
        "Accord signed",
        "The ministers signed the Vienna Accord on Monday.",
        "\u201cIt ends the dispute,\u201d Minister Anna Berg said.",
    ]
    assert (
        "track" not in article.text and "color" not in article.text and "Home" not in article.text
    )
    assert article.notes == ()


# Per saved page: sentences of the article, sentences of its furniture (menus, cookie banners,
# related links, sidebars, comments, newsletter boxes, footers), and what its metadata says.
CASES: dict[str, dict[str, Any]] = {
    "harbour_times_accord.html": {
        "kept": [
            "Malta and Tunisia signed an agreement in Valletta on Tuesday under which Tunisia "
            "will supply desalinated water to Gozo for ten years",
            "\u201cWater is the first security question for small islands,\u201d Borg told",
            "asked for the full text of the agreement to be published.",
        ],
        "dropped": [
            "We use cookies to personalise content",
            "Skip to main content",
            "Subscribe",
            "Read more: How Gozo ran out of water last summer",
            "Share this article",
            "Gozo drought forces emergency rationing across the island.",
            "This deal is a scandal and nobody asked the people of Gozo",
            "Prime minister resigns after budget defeat in late-night vote.",
            "Sign up for our newsletter",
            "All rights reserved.",
            "Photo: Harbour Times",
        ],
        "title": "Malta and Tunisia sign water-sharing accord",
        "published": dt.date(2025, 3, 4),  # article:published_time, not the modified time
        "source": "The Harbour Times",
        "language": "en",
    },
    "wire_repost_geneva.html": {
        "kept": [
            "GENEVA, Nov. 14, 2024 (Reuters) - Delegations from Armenia and Azerbaijan agreed",
            '"This is a first step, not the end of the road," Swiss envoy Martina Keller',
            "the lists named at least 30 people.",
        ],
        "dropped": [
            "Independent news and analysis since 2009",
            "Click to share on Facebook",
            "Baku summit ends without a joint statement on the border.",
            "I will believe it when the prisoners are actually home",
            "Your email address will not be published.",
            "Ukraine grain exports reach their highest level since the war began.",
            "Our reporting is funded entirely by readers like you",
            "This website uses cookies to improve your experience",
            "Proudly powered by WordPress",
        ],
        "title": "Geneva talks: sides agree prisoner exchange framework",
        # No date in the page's metadata: the dateline's, not the comments' (15-16 November).
        "published": dt.date(2024, 11, 14),
        "source": "Reuters",
        "language": "en",
    },
    "gov_press_release.html": {
        "kept": [
            "Defence Secretary Grant Shapps and Kenyan Cabinet Secretary for Defence Aden Duale "
            "signed the agreement in Nairobi",
            "six infantry battalion exercises each year in Laikipia County.",
            "| Officer exchanges | 40 places a year from 2025 |",
            "Cabinet Secretary Duale said the agreement would give Kenyan communities",
        ],
        "dropped": [
            "We use some essential cookies to make this website work.",
            "Services and information",
            "UK and Kenya agree a strategic partnership worth millions.",
            "Share on Facebook",
            "Is this page useful?",
            "Don't include personal or financial information",
            "All content is available under the Open Government Licence",
        ],
        "title": "UK and Kenya sign defence cooperation agreement",
        "published": dt.date(2024, 6, 13),  # datePublished, not dateModified or "Last updated"
        "source": "GOV.UK",
        "language": "en",
    },
    "de_zeitung_gipfel.html": {
        "kept": [
            "Die Innenminister Deutschlands und Polens haben am Dienstag in Berlin eine "
            "Vereinbarung",
            '\u201eWir lassen die Menschen in der Grenzregion nicht allein"',
            "Die Vereinbarung soll nach einem Jahr \u00fcberpr\u00fcft werden.",
        ],
        "dropped": [
            "Wir verwenden Cookies",
            "Startseite",
            "Schleuser nutzen immer h\u00e4ufiger die Route \u00fcber Tschechien.",
            "Das h\u00e4tte man schon vor zehn Jahren machen m\u00fcssen",
            "Alle Rechte vorbehalten.",
        ],
        "title": "Polen und Deutschland vereinbaren gemeinsame Grenzkontrollen",
        "published": dt.date(2025, 1, 21),  # itemprop="datePublished"
        "source": "Rheinische Abendpost",
        "language": "de",
    },
}


@pytest.mark.parametrize("page", sorted(CASES))
def test_saved_pages_keep_the_article_and_drop_the_furniture(page: str) -> None:
    case = CASES[page]
    article = load_article(PAGES / page)
    assert article.converted_from == "html" and article.notes == ()
    for sentence in case["kept"]:
        assert sentence in article.text, f"{page}: lost {sentence!r}"
    for sentence in case["dropped"]:
        assert sentence not in article.text, f"{page}: kept furniture {sentence!r}"
    got = (article.title, article.published, article.source, article.language)
    assert got == (case["title"], case["published"], case["source"], case["language"])
    assert set(article.inferred) == {"title", "published", "source", "language"}


def test_a_date_header_wins_over_the_page_and_the_text_is_what_spans_index() -> None:
    markup = (PAGES / "harbour_times_accord.html").read_text()
    article = Article.from_string(f"date 2025-03-05\nsource Agency\n\n{markup}")
    assert (article.published, article.source) == (dt.date(2025, 3, 5), "Agency")
    assert article.inferred == ("language", "title")
    assert article.text == read_page(markup).text


def test_a_wrapper_named_after_a_banner_does_not_take_the_article_with_it() -> None:
    paragraph = "<p>The ministers met in Vienna on Monday and agreed to resume talks in May.</p>"
    markup = (
        '<html><body class="has-cookie-notice"><div id="page" class="cookie-consent-shown">'
        f"<article>{paragraph * 4}</article></div>"
        '<div class="cookie-banner"><p>We use cookies to improve your experience.</p></div>'
        "</body></html>"
    )
    page = read_page(markup)
    assert not page.whole and "resume talks in May" in page.text
    assert "We use cookies" not in page.text


def test_a_fragment_without_an_article_body_keeps_its_text_and_says_so() -> None:
    article = Article.from_string("<div>One</div><div>Two <i>three</i></div><div>Four</div>")
    assert article.converted_from == "html"
    assert article.text == "One\n\nTwo three\n\nFour"
    assert article.notes == (NO_ARTICLE_BODY,)
    assert html_to_text("<div>One</div><div>Two <i>three</i></div>") == ("One\n\nTwo three", None)


def test_html_file_and_html_text_are_recognised_but_prose_with_brackets_is_not(
    tmp_path: Path,
) -> None:
    page = tmp_path / "saved.htm"
    page.write_text((PAGES / "de_zeitung_gipfel.html").read_text())
    assert load_article(page).converted_from == "html"
    assert Article.from_string(PAGE).converted_from == "html"
    article = Article.from_string("The vote was 5 < 7 and the <b> tag is fine in prose.")
    assert article.converted_from is None


SAMPLES = {
    "uk": "Міністр закордонних справ України заявив у понеділок, що переговори з "
    "європейськими партнерами тривають. За його словами, уряд готовий підписати угоду про "
    "безпеку вже наступного місяця. Він також додав, що Київ чекає рішення щодо нових поставок.",
    "ru": "Министр иностранных дел России заявил в понедельник, что переговоры с партнёрами "
    "продолжаются. По его словам, правительство готово подписать соглашение уже в следующем "
    "месяце. Он также добавил, что Москва ждёт ответа от Вашингтона.",
    "fa": "وزیر امور خارجه ایران روز دوشنبه گفت که مذاکرات با کشورهای اروپایی ادامه دارد. او "
    "افزود که تهران آماده است توافق جدیدی را در ماه آینده امضا کند. به گفته وی، هیچ تصمیمی "
    "بدون مشورت با مجلس گرفته نخواهد شد.",
    "ar": "قال وزير الخارجية المصري يوم الاثنين إن المفاوضات مع الجانب التركي مستمرة. وأضاف أن "
    "القاهرة مستعدة لتوقيع اتفاق جديد خلال الشهر المقبل. وأكد أن أي قرار لن يتخذ دون التشاور "
    "مع الدول العربية.",
    "de": "Der Außenminister sagte am Montag, die Verhandlungen mit den europäischen Partnern "
    "würden fortgesetzt. Die Regierung sei bereit, das Abkommen im nächsten Monat zu "
    "unterzeichnen. Eine Entscheidung ohne das Parlament werde es nicht geben.",
    "en": "The foreign minister said on Monday that talks with European partners would "
    "continue. The government was ready to sign the agreement next month, he added. No "
    "decision would be taken without consulting parliament.",
    "fr": "Le ministre a dit que les négociations avec le gouvernement sont finies pour la paix.",
    "es": "El ministro dijo que las negociaciones con el gobierno de la región terminaron.",
}


@pytest.mark.parametrize("code", sorted(SAMPLES))
def test_language_is_guessed_and_recorded_as_guessed(code: str) -> None:
    assert guess_language(SAMPLES[code]) == code
    article = Article.from_string(SAMPLES[code])
    assert article.language == code and article.inferred == ("language",)


def test_same_script_languages_are_told_apart() -> None:
    """The defect: Ukrainian was labelled Russian, and Persian Arabic."""
    assert [guess_language(SAMPLES[c]) for c in ("uk", "ru", "fa", "ar")] == [
        "uk",
        "ru",
        "fa",
        "ar",
    ]


def test_header_language_wins_and_short_text_stays_unknown() -> None:
    given = Article.from_string("date 2020-01-01\nlanguage de\n\nThe talks ended.")
    assert given.language == "de" and given.inferred == ()
    assert Article.from_string("Talks ended.").language is None
    assert guess_language("2025-03-04 12:00 +++ 3.5% 4.2% 7,000,000 units") is None


def test_a_guessed_language_stays_out_of_the_key() -> None:
    article = Article.from_string(f"date 2024-01-01\nsource Agency\n\n{SAMPLES['uk']}")
    assert article.language == "uk" and article.inferred == ("language",)
    relabelled = article.model_copy(update={"language": "ru"})
    assert relabelled.key == article.key
    unknown = article.model_copy(update={"language": None, "inferred": ()})
    assert unknown.key == article.key
    # A language the user gives is metadata, and is part of the identity.
    given = Article.from_string(f"date 2024-01-01\nsource Agency\nlanguage uk\n\n{SAMPLES['uk']}")
    assert given.inferred == () and given.key != article.key
    assert given.key != given.model_copy(update={"language": "ru"}).key


def test_a_key_with_nothing_inferred_is_as_before() -> None:
    """Keys recorded before this change stay valid wherever nothing was guessed."""
    article = Article(text="Body.", published=dt.date(2020, 1, 2), language="en")
    assert article.key == "97763b62d67b6e0b"  # computed by the loader before this change


def test_inferred_names_only_fields_that_can_be_inferred() -> None:
    with pytest.raises(ValueError, match="cannot be inferred"):
        Article(text="Body.", inferred=("text",))
    assert Article(text="Body.", inferred=("title", "language", "title")).inferred == (
        "language",
        "title",
    )


def test_huge_file_is_refused_before_reading(tmp_path: Path) -> None:
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing is written or read
    with pytest.raises(InputError, match="far more than a news article"):
        load_article(huge)
