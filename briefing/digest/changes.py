"""What a digest holds that an earlier one did not."""

from __future__ import annotations

from briefing.digest.model import Changes, Digest, StatusChange


def changes(previous: Digest, current: Digest) -> Changes:
    seen_articles = {a.key for a in previous.articles}
    seen_people = {m.id for p in previous.people for m in p.mentions}
    agreement_of = {m.id: a for a in previous.agreements for m in a.mentions}
    seen_claims = {c.id for c in previous.claims}
    status_changes = []
    new_agreements = []
    for entry in current.agreements:
        before = next((agreement_of[m.id] for m in entry.mentions if m.id in agreement_of), None)
        if before is None:
            new_agreements.append(entry.id)
        elif before.status != entry.status:
            status_changes.append(
                StatusChange(
                    agreement=entry.id, title=entry.title, before=before.status, after=entry.status
                )
            )
    return Changes(
        new_articles=[a.key for a in current.articles if a.key not in seen_articles],
        new_people=[
            p.id for p in current.people if not any(m.id in seen_people for m in p.mentions)
        ],
        new_agreements=new_agreements,
        status_changes=status_changes,
        new_claims=[c.id for c in current.claims if c.id not in seen_claims],
    )
