"""briefing.digest: people, agreements, claims and dates resolved across briefings."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from pathlib import Path
from typing import Any

import pytest

from briefing.batch.run import BriefResult
from briefing.digest import Digest, digest
from briefing.digest.cli import add_digest_parser
from briefing.load.article import Article
from briefing.models import Agreement, Brief, Claim, DateValue, Evidence, Official, RunRecord
from tests.browser import load_page, skip_without_chromium

from .conftest import ROOT

CREATED = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def _ev(text: str, quote: str) -> list[Evidence]:
    start = text.index(quote)
    return [Evidence(quote=quote, start=start, end=start + len(quote))]


def official(
    name: str, title: str | None = None, country: str | None = None, *names: str
) -> dict[str, Any]:
    return {"name": name, "title": title, "country": country, "names": [name, *names]}


def make_brief(
    name: str,
    published: str,
    *,
    officials: list[dict[str, Any]] = (),  # type: ignore[assignment]
    agreements: list[dict[str, Any]] = (),  # type: ignore[assignment]
    claims: list[dict[str, Any]] = (),  # type: ignore[assignment]
    title: str | None = None,
) -> Brief:
    sentences = [f"This is the article {name}."]
    sentences += [f"{o['name']} spoke ({name})." for o in officials]
    sentences += [f"The {a['title']} was {a['status']} ({name})." for a in agreements]
    sentences += [f"{c['claimant']} said {c['statement']} ({name})." for c in claims]
    text = " ".join(sentences)
    article = Article(text=text, published=dt.date.fromisoformat(published), name=name, title=title)
    return Brief(
        article=article,
        headline=f"Headline {name}",
        bluf="Bottom line.",
        key_points=[],
        officials=[
            Official(
                name=o["name"],
                title=o["title"],
                affiliation=None,
                country=o["country"],
                names=o["names"],
                evidence=_ev(text, f"{o['name']} spoke ({name})."),
            )
            for o in officials
        ],
        agreements=[
            Agreement(
                title=a["title"],
                kind=a.get("kind", "agreement"),
                parties=a["parties"],
                signatories=[],
                status=a["status"],
                date=DateValue(text=a["date_text"], tense="past", value=a["date"], precision="day")
                if a.get("date")
                else None,
                place=None,
                subjects=a.get("subjects", []),
                evidence=_ev(text, f"The {a['title']} was {a['status']} ({name})."),
            )
            for a in agreements
        ],
        claims=[
            Claim(
                claimant=c["claimant"],
                statement=c["statement"],
                target=c.get("target"),
                kind=c["kind"],
                how=None,
                reporting_source=None,
                evidence=_ev(text, f"{c['claimant']} said {c['statement']} ({name})."),
            )
            for c in claims
        ],
        record=RunRecord(
            model="hand",
            endpoint="none",
            mode="none",
            prompt_version="1",
            attempts=1,
            created=CREATED,
            library_version="0",
        ),
    )


MOU = "Turkey-Libya maritime memorandum"


def corpus() -> list[Brief]:
    return [
        make_brief(
            "a1",
            "2020-01-05",
            officials=[
                official("Abdel Fattah al-Sisi", "President", "Egypt"),
                official("Sameh Shoukry", "Foreign Minister", "Egypt"),
                official("Mike Pompeo", "Secretary of State", "United States"),
            ],
            agreements=[
                {
                    "title": MOU,
                    "parties": ["Turkey", "Libya"],
                    "status": "signed",
                    "date": "2019-11-27",
                    "date_text": "on November 27",
                }
            ],
            claims=[
                {
                    "claimant": "Sameh Shoukry",
                    "statement": "Turkey violates the law",
                    "target": "Turkey",
                    "kind": "accusation",
                },
            ],
        ),
        make_brief(
            "a2",
            "2020-02-10",
            officials=[
                official("Abdel Fattah El-Sisi", "President of Egypt", "Egypt"),
                official("Recep Tayyip Erdogan", "President", "Turkey", "Erdogan"),
                official("Mevlut Cavusoglu", "Foreign Minister", "Turkey"),
            ],
            agreements=[
                {
                    "title": "Turkey\u2013Libya maritime MoU",
                    "parties": ["Libya", "Turkey"],
                    "status": "ratified",
                    "kind": "memorandum_of_understanding",
                }
            ],
            claims=[
                {
                    "claimant": "Mevlut Cavusoglu",
                    "statement": "Turkey broke no law",
                    "target": "Turkey",
                    "kind": "denial",
                },
            ],
        ),
        make_brief(
            "a3",
            "2020-03-01",
            officials=[
                official("Sisi", "President", "Egypt"),
                official("Jim Pompeo", "Congressman", "United States"),
                official("Путин", "President", "Russia"),
                official("Vladimir Putin", "President", "Russia"),
            ],
            agreements=[
                {
                    "title": MOU,
                    "parties": ["Turkey", "Libya"],
                    "status": "suspended",
                    "date": "2020-02-20",
                    "date_text": "on February 20",
                }
            ],
        ),
    ]


def test_people_merged_across_articles_with_every_article_and_quote() -> None:
    result = digest(corpus())
    sisi = result.person("Sisi")
    assert {"Abdel Fattah al-Sisi", "Abdel Fattah El-Sisi", "Sisi"} <= set(sisi.names)
    assert sisi.articles == [b.article.key for b in corpus()]
    assert all(m.quotes for m in sisi.mentions)
    assert [t.title for t in sisi.titles] == ["President", "President of Egypt"]
    assert sisi.titles[0].first == "2020-01-05" and sisi.titles[0].last == "2020-03-01"
    reasons = [d.reason for d in result.decisions if d.entity == sisi.id]
    assert len(reasons) == 2 and any("same full name" in r for r in reasons)


def test_same_surname_different_first_names_kept_apart() -> None:
    result = digest(corpus())
    assert result.person("Mike Pompeo").id != result.person("Jim Pompeo").id


def test_cyrillic_and_latin_names_apart_unless_overridden() -> None:
    result = digest(corpus())
    assert result.person("Путин").id != result.person("Vladimir Putin").id
    joined = digest(corpus(), overrides={"same": [["Путин", "Vladimir Putin"]]})
    assert joined.person("Путин").id == joined.person("Vladimir Putin").id
    assert any("override" in d.reason for d in joined.decisions)


def test_agreement_status_history_in_date_order_with_quotes() -> None:
    result = digest(list(reversed(corpus())))
    assert len(result.agreements) == 1
    entry = result.agreements[0]
    assert [s.status for s in entry.history] == ["signed", "ratified", "suspended"]
    assert [s.date for s in entry.history] == ["2019-11-27", "2020-02-10", "2020-02-20"]
    assert [s.date_from for s in entry.history] == ["agreement", "article", "agreement"]
    assert all(s.quote and s.article for s in entry.history)
    assert entry.status == "suspended"
    assert {d.reason.split(" ")[0] for d in result.decisions if d.kind == "agreement"} == {"same"}


HOSTAGE_DEAL = [  # one Israel-Hamas deal as six articles worded it (the Gaza storyline, 2023)
    ("Deal to secure the release of hostages taken by Hamas", "deal", "agreed",
     ["Hamas", "Israel"], ["hostage release", "extended pause", "humanitarian assistance"]),
    ("Hostage release and pause in fighting deal", "deal", "in_force", ["Hamas", "Israel"],
     ["hostage release", "pause in fighting", "humanitarian assistance into Gaza"]),
    ("Humanitarian pause deal in Gaza and its extension over the next 48 hours", "deal",
     "extended", ["Israel", "Qatar", "Egypt"],
     ["humanitarian pause", "hostage release", "humanitarian assistance to Gaza"]),
    ("The deal to pause the fighting in Gaza and facilitate the release of hostages", "deal",
     "in_force", [], ["pause in fighting in Gaza", "release of hostages"]),
    ("Deal between Israel and Hamas providing an extended pause in the fighting", "deal",
     "broken", ["Israel", "Hamas"], ["extended pause in the fighting", "hostage release"]),
    ("Humanitarian pause in Gaza", "other", "broken", ["Israel", "Hamas"],
     ["humanitarian pause", "hostage release"]),
]  # fmt: skip


def hostage_briefs() -> list[Brief]:
    """One brief a day for each wording; the fifth also names a climate treaty (kept apart)."""
    days = ["2023-11-22", "2023-11-24", "2023-11-27", "2023-11-28", "2023-12-01", "2023-12-02"]
    climate = {
        "title": "UN Framework Convention on Climate Change",
        "kind": "treaty",
        "status": "unknown",
        "parties": [],
        "subjects": ["climate change"],
    }
    return [
        make_brief(
            f"g{n}",
            day,
            agreements=[
                {"title": t, "kind": k, "status": s, "parties": p, "subjects": subjects},
                *([climate] if n == 4 else []),
            ],
        )
        for n, (day, (t, k, s, p, subjects)) in enumerate(zip(days, HOSTAGE_DEAL, strict=True))
    ]


def test_one_deal_worded_six_ways_folds_into_one_with_its_history() -> None:
    result = digest(list(reversed(hostage_briefs())))
    [deal] = [a for a in result.agreements if a.kind == "deal"]
    [climate] = [a for a in result.agreements if a is not deal]
    assert climate.kind == "treaty" and len(climate.mentions) == 1
    assert len(deal.mentions) == 6
    assert sorted(deal.titles) == sorted(t for t, *_ in HOSTAGE_DEAL)
    assert [s.status for s in deal.history] == [s for _, _, s, *_ in HOSTAGE_DEAL]
    assert deal.status == "broken"
    assert "hostage" in deal.title.lower()  # the wording the six titles share most
    merges = [d for d in result.decisions if d.entity == deal.id]
    assert len(merges) == 5
    assert all("share" in d.reason and "parties" in d.reason for d in merges)
    # a never_merge override (here from a split) still vetoes the fold
    pause = "Humanitarian pause in Gaza"
    parted = result.split(deal.id, [pause])
    [alone] = [a for a in parted.agreements if pause in a.titles]
    assert alone.titles == [pause] and len(parted.agreements) == 3


def test_deals_sharing_parties_but_not_subjects_stay_apart() -> None:
    epd = "Economic Prosperity Deal (U.S.-UK trade deal)"
    tpd = "US-UK Technology Prosperity Deal"
    steel = "Alternative arrangement to the Section 232 tariffs on steel and aluminum"
    israel = "Hostage and prisoner release deal"
    ukraine = "Prisoner and hostage release deal"
    briefs = [
        make_brief(
            "t1",
            "2025-05-08",
            agreements=[
                {"title": epd, "kind": "deal", "status": "agreed", "parties": ["US", "UK"],
                 "subjects": ["auto tariffs", "steel and aluminum", "agricultural exports"]},
                {"title": israel, "kind": "deal", "status": "agreed",
                 "parties": ["Israel", "Hamas"], "subjects": ["hostage release"]},
            ],
        ),
        make_brief(
            "t2",
            "2025-09-18",
            agreements=[
                {"title": tpd, "kind": "deal", "status": "signed",
                 "parties": ["United States", "United Kingdom"],
                 "subjects": ["artificial intelligence", "quantum computing", "nuclear energy"]},
                {"title": steel, "kind": "other", "status": "proposed",
                 "parties": ["the United States", "the United Kingdom"],
                 "subjects": ["steel and aluminum tariffs", "Section 232 tariffs"]},
                {"title": ukraine, "kind": "deal", "status": "agreed",
                 "parties": ["Russia", "Ukraine"], "subjects": ["hostage release"]},
            ],
        ),
    ]  # fmt: skip
    result = digest(briefs)
    assert sorted(a.title for a in result.agreements) == sorted([epd, tpd, steel, israel, ukraine])
    assert [d for d in result.decisions if d.kind == "agreement"] == []


def test_accusation_and_denial_side_by_side() -> None:
    result = digest(corpus())
    assert len(result.disputes) == 1
    dispute = result.disputes[0]
    claims = {c.id: c for c in result.claims}
    assert [claims[i].claimant for i in dispute.accusations] == ["Sameh Shoukry"]
    assert [claims[i].claimant for i in dispute.denials] == ["Mevlut Cavusoglu"]
    shoukry = result.person("Sameh Shoukry")
    assert shoukry.claims_by == dispute.accusations
    assert "name:turkey" in result.claims_by_target


def test_timeline_in_order() -> None:
    result = digest(corpus())
    dates = [e.date for e in result.timeline]
    assert dates == sorted(dates)
    assert dates[0] == "2019-11-27"
    assert {e.kind for e in result.timeline} == {"agreement", "article"}


def test_incremental_equals_batch_in_any_order() -> None:
    later = make_brief("a4", "2019-12-01", officials=[official("Sisi", "President", "Egypt")])
    briefs = [*corpus(), later]
    whole = digest(briefs)
    for seed in range(5):
        shuffled = briefs[:]
        random.Random(seed).shuffle(shuffled)
        built = digest(shuffled[:2]).add(shuffled[2:3]).add(shuffled[3:])
        assert built.derived() == whole.derived()


def test_json_round_trip_and_inputs(tmp_path: Path) -> None:
    result = digest(corpus())
    again = Digest.from_json(result.to_json())
    assert again == result
    folder = tmp_path / "briefs"
    folder.mkdir()
    for brief in corpus():
        (folder / f"{brief.article.name}.json").write_text(brief.to_json())
    log = tmp_path / "run.jsonl"
    lines = [
        {"key": b.article.key, "source": "x", "status": "ok", "brief": json.loads(b.to_json())}
        for b in corpus()
    ]
    lines.append(
        {
            "key": "k",
            "source": "y",
            "status": "error",
            "error": {"type": "InputError", "message": "m"},
        }
    )
    log.write_text("".join(json.dumps(x) + "\n" for x in lines))
    results = [BriefResult("s", b.article, b) for b in corpus()]
    for source in (folder, log, results):
        assert digest(source).derived() == result.derived()


def test_changes_since_previous() -> None:
    first = digest(corpus()[:2])
    second = first.add(corpus()[2:])
    changes = second.changes(first)
    names = {p.name for p in second.people if p.id in changes.new_people}
    assert names == {"Jim Pompeo", "Путин", "Vladimir Putin"}
    assert [(s.before, s.after) for s in changes.status_changes] == [("ratified", "suspended")]
    assert changes.new_agreements == [] and changes.new_articles == [corpus()[2].article.key]
    assert second.changes(second).empty


def test_split_and_override_undo_a_merge() -> None:
    result = digest(corpus())
    sisi = result.person("Sisi")
    apart = result.split(sisi.id, ["Sisi"])
    assert apart.person("Sisi").id != apart.person("Abdel Fattah al-Sisi").id
    assert apart.person("Abdel Fattah El-Sisi").id == apart.person("Abdel Fattah al-Sisi").id
    # the override persists in JSON and survives incremental additions
    assert Digest.from_json(apart.to_json()).overrides == apart.overrides
    later = apart.add([make_brief("a5", "2020-04-01", officials=[official("Sisi", "President")])])
    assert later.person("Sisi").id != later.person("Abdel Fattah al-Sisi").id
    by_file = digest(corpus(), overrides={"never_merge": [["Sisi", "Abdel Fattah al-Sisi"]]})
    assert by_file.person("Sisi").id != by_file.person("Abdel Fattah al-Sisi").id
    agreement = result.agreements[0]
    parted = result.split(agreement.id, [agreement.mentions[1].id])
    assert len(parted.agreements) == 2
    with pytest.raises(ValueError):
        result.split(sisi.id, ["nobody"])


def test_markdown_and_tables_escape_and_cover_everything() -> None:
    briefs = [*corpus(), make_brief("evil", "2020-05-01", title="<script>alert(1)</script>")]
    result = digest(briefs)
    md = result.to_markdown()
    assert "## People" in md and "Turkey-Libya maritime memorandum" in md
    assert "<script>" not in md
    tables = result.tables()
    assert len(tables["people"]) == len(result.people)
    assert list(tables["history"]["status"]) == ["signed", "ratified", "suspended"]
    assert len(tables["disputes"]) == 1


def test_cli_writes_markdown_json_and_html(tmp_path: Path) -> None:
    import argparse

    folder = tmp_path / "briefs"
    folder.mkdir()
    for brief in corpus():
        (folder / f"{brief.article.name}.json").write_text(brief.to_json())
    parser = argparse.ArgumentParser()
    add_digest_parser(parser.add_subparsers())
    out = tmp_path / "d.json"
    options = parser.parse_args(["digest", str(folder), "-f", "json", "-o", str(out), "-q"])
    assert options.run(options) == 0
    first = Digest.from_json(out.read_text())
    options = parser.parse_args(
        [
            "digest",
            str(folder),
            "-f",
            "md",
            "-o",
            str(tmp_path / "d.md"),
            "-q",
            "--previous",
            str(out),
            "--since",
            "2020-02-01",
        ]
    )
    assert options.run(options) == 0
    assert "Since the previous digest" in (tmp_path / "d.md").read_text()
    options = parser.parse_args(
        ["digest", str(folder), "-f", "html", "-o", str(tmp_path / "site"), "-q"]
    )
    assert options.run(options) == 0
    assert (tmp_path / "site" / "index.html").is_file()
    assert len(first.articles) == 3


def test_cli_replays_seed_articles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("BRIEFING_BASE_URL", raising=False)
    seeds = sorted(Path("seeds").glob("0*.txt"))[:2]
    if not seeds:
        pytest.skip("no seeds")
    parser = argparse.ArgumentParser()
    add_digest_parser(parser.add_subparsers())
    out = tmp_path / "d.json"
    options = parser.parse_args(["digest", *map(str, seeds), "-f", "json", "-o", str(out), "-q"])
    assert options.run(options) == 0
    assert len(Digest.from_json(out.read_text()).articles) == len(seeds)


@skip_without_chromium()
def test_html_in_chromium(tmp_path: Path) -> None:
    hostile = "<script>alert(1)</script>"
    briefs = [
        *corpus(),
        make_brief(
            "evil",
            "2020-05-01",
            title=hostile,
            officials=[official("<img src=x onerror=alert(2)>", "President")],
        ),
    ]
    index = digest(briefs).write_html(tmp_path / "site")
    html = index.read_text()
    assert hostile not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html and "<script" not in html
    hrefs = set(re.findall(r'href="([^"#]+)(?:#[^"]*)?"', html))
    assert hrefs
    for href in hrefs:
        assert (index.parent / href).is_file(), href
    targets = re.findall(r'href="([^"#]+)#([^"]+)"', html)
    for page, anchor in targets:
        assert f'id="{anchor}"' in (index.parent / page).read_text(), (page, anchor)
    report, missing = load_page(
        index,
        eval_js="() => [...document.querySelectorAll('a[href]')].filter(a => "
        "a.getAttribute('href').startsWith('#') && "
        "!document.getElementById(a.getAttribute('href').slice(1))).length",
    )
    assert report.console_errors == []
    assert report.requests == []
    assert missing == 0
    assert "alert(1)" in report.dom and "<script>alert" not in report.dom
    for page in sorted(hrefs)[:2]:
        page_report, _ = load_page(index.parent / page)
        assert page_report.console_errors == [] and page_report.requests == []


STORYLINES = sorted((ROOT / "corpus" / "storylines").iterdir())


@pytest.mark.parametrize("story", STORYLINES, ids=lambda p: p.name)
def test_each_storyline_digests_end_to_end_from_its_cassettes(story: Path) -> None:
    from briefing import load_article, replay_brief

    cassettes = ROOT / "cassettes" / "storylines" / story.name
    briefs = [
        replay_brief(load_article(p), cassettes / f"{p.stem}.yaml")
        for p in sorted(story.glob("*.txt"))
    ]
    result = digest(briefs)
    assert len(result.articles) == len(briefs)
    names = [p.name for p in result.people]
    assert len(names) == len(set(names)), names  # each person once
    for agreement in result.agreements:
        dates = [s.date for s in agreement.history if s.date]
        assert dates == sorted(dates)
        assert all(s.quote for s in agreement.history)
    if story.name.startswith("gaza"):
        [sisi] = [p for p in result.people if any("Sisi" in n for n in [p.name, *p.names])]
        assert len(sisi.articles) >= 4  # spelled Al-Sisi, El-Sisi and Sisi across them
        assert {"Al-Sisi", "El-Sisi", "Sisi"} <= {w for n in sisi.names for w in n.split()}
        [tamim] = [p for p in result.people if "Tamim" in p.name]
        assert len(tamim.articles) >= 4
        # the pause the story follows: the agreement with the longest history
        deal = max(result.agreements, key=lambda a: len(a.history))
        statuses = [s.status for s in deal.history]
        assert statuses[0] == "agreed" and statuses[-1] == "broken" and "extended" in statuses


def test_a_person_whose_name_carries_a_title_is_one_person_across_articles() -> None:
    briefs = [
        make_brief("t1", "2019-09-01", officials=[
            official("United Kingdom Prime Minister Boris Johnson", None, "United Kingdom",
                     "Boris Johnson")]),
        make_brief("t2", "2019-09-02", officials=[official("Boris Johnson", "Prime Minister")]),
        make_brief("t3", "2019-09-03", officials=[
            official("Labour Party leader Jeremy Corbyn", None, "United Kingdom",
                     "Jeremy Corbyn")]),
        make_brief("t4", "2019-09-04", officials=[
            official("Opposition leader Jeremy Corbyn", None, None, "Jeremy Corbyn")]),
    ]  # fmt: skip
    result = digest(briefs)
    assert sorted(p.name for p in result.people) == ["Boris Johnson", "Jeremy Corbyn"]
    assert len(result.person("Boris Johnson").articles) == 2
