"""Every rendered agreement and official of a folder of briefings, with its evidence, flagged
where the article contradicts its kind, status or entity type.

    python benchmarks/audit_labels.py BRIEFS_DIR [--articles DIR] [--flagged-only]

BRIEFS_DIR holds Brief JSON files (what `benchmarks/local_models.py --out DIR` or
`briefing -o X.json` writes). Each brief carries its article; --articles reads the article of
the same name from DIR instead (to audit against the original text). The checks are the
pipeline's own (`briefing.ground.audit`), so briefs made by the current pipeline should show
no flags; older briefs show what the checks would have changed. Exit 1 when anything is flagged.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from briefing import Brief, load_article
from briefing.ground.audit import audit


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("briefs", type=Path, help="folder of Brief JSON files")
    p.add_argument("--articles", type=Path, help="folder of the articles, by the briefs' names")
    p.add_argument("--flagged-only", action="store_true", help="list only flagged items")
    args = p.parse_args(argv)
    files = sorted(args.briefs.glob("*.json"))
    if not files:
        print(f"no Brief JSON files in {args.briefs}", file=sys.stderr)
        return 2
    counts: Counter[str] = Counter()
    flagged: Counter[str] = Counter()
    for path in files:
        brief = Brief.from_json(path.read_bytes())
        text = None
        if args.articles is not None:
            found = sorted(args.articles.glob(f"{path.stem}.*"))
            text = load_article(found[0]).text if found else None
        items = audit(brief, text)
        print(f"\n## {path.stem}")
        for item in items:
            counts[item.kind] += 1
            flagged[item.kind] += bool(item.flags)
            if args.flagged_only and not item.flags:
                continue
            mark = "FLAG" if item.flags else "ok  "
            print(f"{mark} {item.kind:9} {item.label}")
            for quote in item.evidence:
                print(f"       \u201c{' '.join(quote.split())[:160]}\u201d")
            for flag in item.flags:
                print(f"       ! {flag}")
    print("\nrendered     items   flagged")
    for kind in ("agreement", "official", "headline", "bluf"):
        if counts[kind]:
            print(f"{kind:12} {counts[kind]:5}   {flagged[kind]:5}")
    total = sum(flagged.values())
    print(f"{len(files)} briefs; {total} rendered item(s) the article contradicts")
    return 1 if total else 0


if __name__ == "__main__":
    raise SystemExit(main())
