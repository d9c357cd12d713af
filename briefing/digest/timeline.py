"""The timeline: articles by publication date and agreement events by their own dates."""

from __future__ import annotations

from collections.abc import Sequence

from briefing.digest.agreements import AgreementItem
from briefing.digest.folding import date_key
from briefing.digest.inputs import article_key, published
from briefing.digest.model import TimelineEvent
from briefing.models import Brief


def timeline(
    briefs: Sequence[Brief], mentions: list[AgreementItem], agreement_of: dict[str, str]
) -> list[TimelineEvent]:
    events = [
        TimelineEvent.model_construct(
            date=day,
            kind="article",
            label=b.article.title or b.headline,
            text=None,
            entity=None,
            article=article_key(b),
            item=None,
        )
        for b in briefs
        if (day := published(b))
    ]
    for m in mentions:
        date = m.agreement.date
        if date is not None and date.value:
            events.append(
                TimelineEvent.model_construct(
                    date=date.value,
                    kind="agreement",
                    label=f"{m.agreement.title}: {m.agreement.status.replace('_', ' ')}",
                    text=date.text,
                    entity=agreement_of[m.id],
                    article=article_key(m.brief),
                    item=m.item,
                )
            )
    return sorted(events, key=lambda e: (date_key(e.date), e.kind, e.article, e.item or ""))
