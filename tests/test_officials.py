from __future__ import annotations

import pytest

from briefing.ground.people import Entry, merge_officials
from briefing.models import Evidence, Official


def merge(entries: list[Entry]) -> list[Official]:
    return merge_officials(entries)[0]


def entry(*names: str, title: str | None = None, start: int = 0) -> tuple:  # type: ignore[type-arg]
    return (list(names), title, None, None, [Evidence(quote="q", start=start, end=start + 1)])


def test_surname_only_and_title_mentions_merge_into_the_full_name() -> None:
    merged = merge(
        [
            entry("Ahmad-Reza Radan", "the newly appointed Iranian Police Chief", title="chief"),
            entry("Radan", start=5),
            entry("Viktor Zolotov"),
        ]
    )
    assert [o.name for o in merged] == ["Ahmad-Reza Radan", "Viktor Zolotov"]
    radan = merged[0]
    assert radan.names == ["Ahmad-Reza Radan", "the newly appointed Iranian Police Chief", "Radan"]
    assert [e.start for e in radan.evidence] == [0, 5]
    assert radan.title == "chief"


def test_spelling_variants_merge_and_keep_both_spellings() -> None:
    merged = merge([entry("Sergei Shoigu"), entry("Sergei Shoygu", start=3)])
    assert len(merged) == 1
    assert set(merged[0].names) == {"Sergei Shoigu", "Sergei Shoygu"}


def test_shared_title_reference_merges() -> None:
    merged = merge(
        [entry("Ebrahim Raisi", "the Iranian president"), entry("Raisi", "the Iranian president")]
    )
    assert len(merged) == 1


def test_honorifics_do_not_split_a_person() -> None:
    merged = merge([entry("Gen. Mohammad Bagheri"), entry("Mohammad Bagheri")])
    assert len(merged) == 1
    assert merged[0].name == "Gen. Mohammad Bagheri"


def test_different_people_stay_apart() -> None:
    merged = merge(
        [
            entry("Boris Johnson"),
            entry("Andrew Johnson"),
            entry("Johnson"),  # ambiguous: two full names carry the surname
            entry("Mike Pompeo"),
            entry("Mike Pence"),
            entry("Nikos Dendias"),
            entry("Nikos Christodoulides"),
        ]
    )
    assert [o.name for o in merged] == [
        "Boris Johnson",
        "Andrew Johnson",
        "Johnson",
        "Mike Pompeo",
        "Mike Pence",
        "Nikos Dendias",
        "Nikos Christodoulides",
    ]


def test_generic_references_do_not_join_different_people() -> None:
    merged = merge(
        [entry("Sergei Lavrov", "the minister"), entry("Antony Blinken", "the secretary")]
    )
    assert len(merged) == 2


def test_initials_merge_but_different_first_names_do_not() -> None:
    merged = merge([entry("J. Smith"), entry("John Smith"), entry("Jane Smith")])
    assert [sorted(o.names) for o in merged] == [["J. Smith", "John Smith"], ["Jane Smith"]]


def test_a_shared_reference_cannot_join_conflicting_names() -> None:
    merged = merge(
        [
            entry("Ahmad-Reza Radan", "the police chief"),
            entry("Hossein Ashtari", "the police chief"),
        ]
    )
    assert len(merged) == 2


def test_patronymics_are_not_surnames() -> None:
    merged = merge([entry("Mohammed bin Salman"), entry("King Salman")])
    assert len(merged) == 2


def test_transliteration_particles_and_suffixes() -> None:
    pairs = [
        ("Mohammad Bagheri", "Mohammad Baqeri"),
        ("Ahmad-Reza Radan", "Ahmad Reza Radan"),
        ("Bashar al-Assad", "Assad"),
        ("Ursula von der Leyen", "von der Leyen"),
        ("Robert F. Kennedy Jr.", "Kennedy"),
    ]
    for full, variant in pairs:
        merged = merge([entry(full), entry(variant, start=9)])
        assert len(merged) == 1, (full, variant)
        assert merged[0].name == full
        assert merged[0].names == [full, variant]


def test_the_merge_follows_the_shared_name_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    """One article's merge and the digest compare names by `briefing.ground.names` alone: a
    stricter spelling threshold there keeps Shoigu and Shoygu apart here too."""
    from briefing.ground import names

    variants = [entry("Sergei Shoigu"), entry("Sergei Shoygu", start=3)]
    assert len(merge(variants)) == 1
    monkeypatch.setattr(names, "SPELLING_SIMILARITY", 1.0)
    assert len(merge(variants)) == 2


def test_a_title_written_into_the_name_neither_names_nor_splits_the_person() -> None:
    merged = merge(
        [
            entry("Labour Party leader Jeremy Corbyn", "Jeremy Corbyn"),
            entry("Opposition leader Jeremy Corbyn", "Jeremy Corbyn", "Corbyn", start=4),
            entry("Jeremy Hunt", start=8),
        ]
    )
    assert [o.name for o in merged] == ["Jeremy Corbyn", "Jeremy Hunt"]
    assert "Opposition leader Jeremy Corbyn" in merged[0].names  # every form used is kept
