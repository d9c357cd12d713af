#!/usr/bin/env python3
"""Re-answer a corpus after a prompt or schema change, and re-author its cassettes.

A cassette replays the answer written for one exact request, so a changed prompt or schema
needs new answers. Two steps, with answerers in between who see only the request:

  capture  run the pipeline with `briefing.testing.FakeModel` over corpus files or folders and
           write each request exactly as sent (messages, tools or response format) to
           REQUESTS/<request id>.request.json, one file per request;
  author   for every request answered in ANSWERS/<request id>.answer.json, brief the article
           again, answer each request from its answer file, and write the authored cassette
           CASSETTES/<article>.yaml that the corpus replays from (provenance `authored`, dated,
           "answered from the captured request"). A request the capture did not hold (a repair
           of an answer whose quotes are not in the article) is written to REQUESTS as a new
           request to answer, and that article is left for the next run.

The request id is the article file's stem, plus `.partN` when a long article is split, plus
`.repairN` for a repair request. Usage:

  scripts/reanswer.py capture corpus/dev --out /tmp/reanswer/requests
  scripts/reanswer.py author --requests /tmp/reanswer/requests --answers /tmp/reanswer/answers
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Any

import httpx2
import openai

from briefing import generate_brief, load_article
from briefing.extract.prompts import prompt_version
from briefing.extract.settings import DEFAULT_MODEL, ModeName
from briefing.load.article import Article
from briefing.models import Brief
from briefing.replay.cassettes import OPENAI_BASE_URL, make_vcr
from briefing.replay.envelope import Reply, completion_envelope
from briefing.testing import FakeModel

MODE: ModeName = "tools_strict"
SKIPPED = {"readme", "sources", "license", "licence"}
EMPTY = {
    "headline": "Captured request",
    "bluf": "Answered empty so that the pipeline ends after the first request.",
    "key_points": [],
    "agreements": [],
    "officials": [],
    "claims": [],
}


class NewRequest(Exception):
    """The pipeline sent a request no answer file answers; it was written out to be answered."""


def corpus_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        found = sorted(path.glob("*.txt")) if path.is_dir() else [path]
        files += [f for f in found if f.stem.lower() not in SKIPPED]
    return files


def canonical(body: dict[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, ensure_ascii=False)


def request_file(article: Path, index: int, count: int, body: dict[str, Any]) -> dict[str, Any]:
    rid = article.stem if count == 1 else f"{article.stem}.part{index + 1}"
    return {
        "request_id": rid,
        "article_file": article.as_posix(),
        "prompt_version": prompt_version(),
        "answer_file": f"{rid}.answer.json",
        "body": body,
    }


def capture(files: list[Path], out: Path, *, model: str) -> int:
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    for path in files:
        article = load_article(path)
        fake = FakeModel(function=lambda _request: EMPTY, model=model)
        client = fake.client(base_url=OPENAI_BASE_URL)
        generate_brief(article, client=client, model=model, mode=MODE)
        for i, body in enumerate(fake.requests):
            record = request_file(path, i, len(fake.requests), body)
            target = out / f"{record['request_id']}.request.json"
            target.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
            written += 1
        print(f"{path}: {len(fake.requests)} request(s)", file=sys.stderr)
    print(f"{written} request file(s) in {out}", file=sys.stderr)
    return 0


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SystemExit(f"{path}: not readable JSON ({exc})") from None


def author_one(
    article_file: Path,
    requests: list[dict[str, Any]],
    answers: Path,
    requests_dir: Path,
    out: Path,
    *,
    model: str,
) -> Brief:
    """Brief the article with every request answered from its answer file, recording it."""
    article = load_article(article_file)
    known = {canonical(r["body"]): r for r in requests}
    repairs = sum(".repair" in r["request_id"] for r in requests)
    new: list[str] = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        captured = known.get(canonical(body))
        if captured is None:
            rid = f"{article_file.stem}.repair{repairs + 1}"
            record = {**request_file(article_file, 0, 1, body), "request_id": rid}
            record["answer_file"] = f"{rid}.answer.json"
            (requests_dir / f"{rid}.request.json").write_text(
                json.dumps(record, indent=2, ensure_ascii=False) + "\n"
            )
            new.append(rid)
            raise NewRequest(f"{rid}: a new request to answer, written to {requests_dir}")
        payload = read_json(answers / captured["answer_file"])
        return httpx2.Response(200, json=completion_envelope(body, Reply(payload), model=model))

    client = openai.OpenAI(
        api_key="authoring-needs-no-key",
        base_url=OPENAI_BASE_URL,
        http_client=httpx2.Client(transport=httpx2.MockTransport(answer)),
        max_retries=0,
    )
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    provenance = provenance_block(article, article_file, model=model, created=now)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        with make_vcr("all").use_cassette(str(partial)) as cassette:
            cassette.get_metadata("provenance", provenance)
            brief = generate_brief(article, client=client, model=model, mode=MODE)
        if new:  # the pipeline may carry on past an unanswered repair: keep no cassette of it
            raise NewRequest(f"{new[0]}: a new request to answer, written to {requests_dir}")
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return brief


def provenance_block(
    article: Article, article_file: Path, *, model: str, created: dt.datetime
) -> dict[str, Any]:
    return {
        "kind": "authored",
        "endpoint": "https://api.openai.com",
        "base_url": OPENAI_BASE_URL,
        "model": model,
        "mode": MODE,
        "article": article.name,
        "article_key": article.key,
        "prompt_version": prompt_version(),
        "created": created.isoformat(),
        "note": (
            f"Authored on {created.date().isoformat()}: answered from the captured request "
            f"(scripts/reanswer.py) by an answerer who saw only that request for "
            f"{article_file.as_posix()}; stands for the model named here, not a recording of "
            "it. Token counts are estimates (characters / 4)."
        ),
    }


def cassette_folder(article_file: Path) -> Path:
    """Where the project replays an article from: seeds/x -> cassettes/, corpus/dev/x ->
    cassettes/dev/ (any corpus/<folder>/x -> cassettes/<folder>/)."""
    parts = article_file.parts
    if "corpus" in parts and parts.index("corpus") + 2 < len(parts):
        return Path("cassettes", *parts[parts.index("corpus") + 1 : -1])
    return Path("cassettes")


def author(requests_dir: Path, answers: Path, cassettes: Path | None, *, model: str) -> int:
    by_article: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(requests_dir.glob("*.request.json")):
        record = read_json(path)
        by_article.setdefault(record["article_file"], []).append(record)
    failed = waiting = 0
    for article_file, records in by_article.items():
        missing = [r["answer_file"] for r in records if not (answers / r["answer_file"]).is_file()]
        first = [r for r in records if ".repair" not in r["request_id"]]
        if any(r["answer_file"] in missing for r in first):
            print(f"{article_file}: waiting for {', '.join(missing)}", file=sys.stderr)
            waiting += 1
            continue
        if records[0]["prompt_version"] != prompt_version():
            print(f"{article_file}: captured for another prompt; capture again", file=sys.stderr)
            failed += 1
            continue
        out = (cassettes or cassette_folder(Path(article_file))) / f"{Path(article_file).stem}.yaml"
        try:
            brief = author_one(Path(article_file), records, answers, requests_dir, out, model=model)
        except NewRequest as exc:
            print(f"{article_file}: {exc}", file=sys.stderr)
            waiting += 1
            continue
        dropped = len(brief.record.unverified)
        print(f"{out}: authored; {dropped} item(s) unverified", file=sys.stderr)
    print(f"{waiting} article(s) waiting for answers, {failed} failed", file=sys.stderr)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    cap = sub.add_parser("capture", help="write each article's exact request(s)")
    cap.add_argument("paths", nargs="+", type=Path, help="corpus files or folders")
    cap.add_argument("--out", type=Path, default=Path("/tmp/reanswer/requests"))
    cap.add_argument("--model", default=DEFAULT_MODEL)
    aut = sub.add_parser("author", help="write authored cassettes from answer files")
    aut.add_argument("--requests", type=Path, default=Path("/tmp/reanswer/requests"))
    aut.add_argument("--answers", type=Path, default=Path("/tmp/reanswer/answers"))
    aut.add_argument(
        "--cassettes",
        type=Path,
        help="one folder for all (default: seeds -> cassettes/, corpus/dev -> cassettes/dev/)",
    )
    aut.add_argument("--model", default=DEFAULT_MODEL)
    options = parser.parse_args(argv)
    if options.command == "capture":
        return capture(corpus_files(options.paths), options.out, model=options.model)
    return author(options.requests, options.answers, options.cassettes, model=options.model)


if __name__ == "__main__":
    sys.exit(main())
