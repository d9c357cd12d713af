"""Which sentences to point a small model at: those that word an agreement, name an official
or report speech, in English. A pointer only narrows where the model looks; what it answers is
checked like any answer. An article in another language gets no pointers (the requests then
ask about the whole article, or a stretch of it at a time)."""

from __future__ import annotations

import re

# Reported speech in English: reporting verbs, quotation marks, the first person. On the dev
# corpus 93% of the gold claims lie in such sentences, about 60% of all sentences.
REPORTING = re.compile(
    r"\b(?:say|says|said|saying|tell|tells|told|add(?:s|ed)?|stat(?:e|es|ed|ing)|announc\w*|"
    r"warn\w*|accus\w*|den(?:y|ies|ied)|reject\w*|claim\w*|alleg\w*|promis\w*|pledg\w*|"
    r"vow\w*|urg(?:e|es|ed|ing)|call(?:s|ed|ing)?\s+(?:for|on|it)|condemn\w*|prais\w*|"
    r"welcom\w*|insist\w*|argu\w*|not(?:e|es|ed)|wr(?:ote|ites?)|tweet\w*|according\s+to|"
    r"describ\w*|critici[sz]\w*|demand\w*|threat\w*|admit\w*|acknowledg\w*|apologi[sz]\w*|"
    r"express\w*|believ\w*|assert\w*|charg\w*|blam\w*|confirm\w*|respond\w*|"
    r"repl(?:y|ies|ied)|comment\w*|predict\w*|suggest\w*|hail\w*|slam\w*|report\w*|"
    r"recogni[sz]\w*|commit\w*|stress\w*|emphasi[sz]\w*|reaffirm\w*|affirm\w*|"
    r"maintain\w*|contend\w*|question\w*|rul(?:e|ed)\s+out|refus\w*|declin\w*|"
    r"ask(?:s|ed)?|expect\w*|hope\w*|intend\w*|plan(?:s|ned)?\s+to|will|pointed\s+out|"
    r"outlin\w*|instruct\w*|I|we|our|my)\b|[\"\u201c\u201d\u00ab\u00bb\u201e]",
    re.IGNORECASE,
)

# Words that name an agreement in English; sentences holding one are pointed out to the model.
AGREEMENT_WORDS = re.compile(
    r"\b(?:agree(?:d|s|ment|ments)?|accords?|memorand(?:um|a)|MoUs?|treat(?:y|ies)|pacts?|"
    r"deals?|cease-?fires?|truces?|joint (?:statement|declaration|venture)|declarations?|"
    r"frameworks?|letters? of intent|contracts?|signed|signing|sold|acquir(?:e|ed|es)|"
    r"committed to|commit to|partnership)\b",
    re.IGNORECASE,
)


# A title or role before a capitalised word ("Secretary of State Mike Pompeo", "President
# Biden"), or a two-word name before a reporting verb: sentences that name an official, in
# English. Pointed out, the model lists more of the people named once (on the dev corpus 94% of
# the gold officials are named in such a sentence, a third of all sentences).
NAMED_ROLE = re.compile(
    r"\b(?:[Pp]resident|[Pp]rime [Mm]inister|[Mm]inister|[Ss]ecretary|[Cc]hancellor|"
    r"[Aa]mbassador|[Ss]pokes(?:man|woman|person)|[Gg]eneral|[Ss]enator|[Gg]overnor|[Mm]ayor|"
    r"[Cc]hief|[Dd]irector|[Cc]hair(?:man|woman)?|[Ss]peaker|King|Queen|Prince|Sheikh|Mr|Mrs|"
    r"Ms|Dr|[Ll]eader|[Hh]ead|CEO|[Oo]fficial|[Aa]dvis[eo]r|[Cc]ommissioner|[Dd]eputy|"
    r"[Rr]epresentative|Rep|Sen|Gen|[Cc]ounsel|[Aa]ttorney|[Ee]nvoy|[Aa]dministrator|"
    r"[Cc]andidate|[Mm]ember)s?\b\.?,?\s+(?:[\w.'-]+\s+){0,4}?[A-Z][\w'-]+"
    r"|\b[A-Z][\w'-]+\s+[A-Z][\w'-]+,?\s+(?:said|says|told|added|wrote|spoke)"
)


def pointed(pattern: re.Pattern[str], sentences: list[str]) -> list[int]:
    """The numbers (from 1) of the sentences `pattern` finds something in."""
    return [n for n, s in enumerate(sentences, start=1) if pattern.search(s)]
