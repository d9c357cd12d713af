"""Digest benchmark: 1,000 and 10,000 synthetic briefs (~5 officials, ~1 agreement, ~8 claims
each) drawn from a recurring pool of people and agreements; prints time and peak memory.

    python benchmarks/digest.py [N ...]
"""

from __future__ import annotations

import datetime as dt
import random
import resource
import sys
import time
import tracemalloc

from briefing.digest import digest
from briefing.load.article import Article
from briefing.models import Agreement, Brief, Claim, DateValue, Evidence, Official, RunRecord

FIRST = ["Anna", "Boris", "Carlos", "Dmitri", "Elena", "Farid", "Grace", "Hassan", "Ivan", "Jun"]
LAST = ["Petrov", "Smith", "Garcia", "Haddad", "Kim", "Nowak", "Okafor", "Rossi", "Sato", "Zhou"]
TITLES = ["President", "Foreign Minister", "Defence Minister", "Ambassador", "Spokesperson"]
COUNTRIES = ["Egypt", "Turkey", "Russia", "France", "Japan", "Brazil", "Nigeria", "India"]
STATUSES = ["proposed", "under_negotiation", "signed", "ratified", "in_force", "suspended"]
KINDS = ["assertion", "accusation", "denial", "promise", "warning", "demand"]
CREATED = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def synthetic(n: int, seed: int = 1) -> list[Brief]:
    rng = random.Random(seed)
    syllables = ["ka", "lo", "mi", "ne", "su", "ta", "ri", "vo", "zu", "he", "do", "ga"]
    surnames = sorted(
        {"".join(rng.choices(syllables, k=3)).title() for _ in range(max(10, n // 20))}
    )
    people = [
        (f"{rng.choice(FIRST)} {s}", TITLES[i % len(TITLES)], COUNTRIES[i % len(COUNTRIES)])
        for i, s in enumerate([*LAST, *surnames])
        for _ in range(2)
    ]
    deals = [
        (f"{a}-{b} accord {k}", [a, b])
        for k in range(max(1, n // 50))
        for a, b in [rng.sample(COUNTRIES, 2)]
    ]
    record = RunRecord(
        model="synthetic", endpoint="none", mode="none", prompt_version="1", attempts=1,
        created=CREATED, library_version="0",
    )  # fmt: skip
    briefs = []
    start = dt.date(2020, 1, 1)
    for i in range(n):
        cast = rng.sample(people, 5)
        deal = rng.choice(deals)
        sentences = [f"Article {i}."]
        sentences += [f"{name} spoke." for name, _, _ in cast]
        sentences.append(f"The {deal[0]} was discussed.")
        claims = [(rng.choice(cast)[0], rng.choice(KINDS), rng.choice(cast)[0]) for _ in range(8)]
        sentences += [f"{c} made claim {k} about {t}." for k, (c, _, t) in enumerate(claims)]
        text = " ".join(sentences)

        def ev(quote: str, text: str = text) -> list[Evidence]:
            at = text.index(quote)
            return [Evidence(quote=quote, start=at, end=at + len(quote))]

        published = start + dt.timedelta(days=i % 1500)
        briefs.append(
            Brief(
                article=Article(text=text, published=published, name=f"synthetic-{i:05d}"),
                headline=f"Synthetic {i}",
                bluf="Synthetic.",
                key_points=[],
                officials=[
                    Official(
                        name=name if rng.random() < 0.8 else name.split()[-1],
                        title=title,
                        affiliation=None,
                        country=country,
                        names=[name],
                        evidence=ev(f"{name} spoke."),
                    )
                    for name, title, country in cast
                ],
                agreements=[
                    Agreement(
                        title=deal[0],
                        kind="agreement",
                        parties=deal[1],
                        signatories=[],
                        status=rng.choice(STATUSES),
                        date=DateValue(
                            text="that day",
                            tense="past",
                            value=published.isoformat(),
                            precision="day",
                        )
                        if rng.random() < 0.5
                        else None,
                        place=None,
                        subjects=[],
                        evidence=ev(f"The {deal[0]} was discussed."),
                    )
                ],
                claims=[
                    Claim(
                        claimant=c,
                        statement=f"claim {k}",
                        target=t,
                        kind=kind,
                        how=None,
                        reporting_source=None,
                        evidence=ev(f"{c} made claim {k} about {t}."),
                    )
                    for k, (c, kind, t) in enumerate(claims)
                ],
                record=record,
            )
        )
    return briefs


def measure(n: int) -> tuple[float, float, int, int]:
    """Seconds untraced (tracemalloc slows Python down severalfold), then the traced peak."""
    briefs = synthetic(n)
    began = time.perf_counter()
    result = digest(briefs)
    seconds = time.perf_counter() - began
    del result
    tracemalloc.start()
    result = digest(briefs)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 2**20, len(result.people), len(result.agreements)


def main(sizes: list[int]) -> None:
    previous: tuple[int, float] | None = None
    for n in sizes:
        seconds, peak_mib, people, agreements = measure(n)
        growth = ""
        if previous is not None:
            growth = f"  x{seconds / previous[1]:.1f} time for x{n / previous[0]:.0f} briefs"
        print(
            f"{n:>6} briefs: {seconds:6.2f} s, peak {peak_mib:7.1f} MiB traced "
            f"({people} people, {agreements} agreements){growth}"
        )
        previous = (n, seconds)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process max RSS {rss:.0f} MiB (includes the synthetic briefs themselves)")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1_000, 10_000])
