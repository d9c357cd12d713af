"""`briefing eval GOLD_DIR`: score briefings against gold annotations."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from briefing.cli.console import say
from briefing.errors import UserError
from briefing.extract.settings import MODES

EXIT_OK, EXIT_BELOW = 0, 1


def add_eval_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "eval",
        help="score briefings against gold annotations (docs/gold-format.md)",
        description=(
            "Brief every article of GOLD_DIR (replayed from --cassettes, or live through the "
            "configured endpoint) and print precision, recall and F1 per item type, "
            "attribute accuracy, same-person pair scores, where every proposed item ended, "
            "and the cost. Exit 1 when the mean F1 is under --fail-under."
        ),
    )
    parser.add_argument("gold", type=Path, nargs="?", help="folder of gold JSON files")
    parser.add_argument("--cassettes", type=Path, help="replay <name>.yaml from this folder")
    parser.add_argument("--model", help="model for a live run (default: $BRIEFING_MODEL)")
    parser.add_argument("--mode", default="auto", choices=MODES, help="output mode (default auto)")
    parser.add_argument("--json", type=Path, help="write the full scores as JSON here")
    parser.add_argument("--html", type=Path, help="write the self-contained HTML report here")
    parser.add_argument("--fail-under", type=float, help="exit 1 if the mean F1 is below this")
    parser.add_argument("--schema", action="store_true", help="print the gold JSON Schema")
    parser.set_defaults(run=run_eval)


def run_eval(options: argparse.Namespace) -> int:
    from briefing.eval.gold import schema
    from briefing.eval.report import table, to_html, to_json
    from briefing.eval.run import evaluate

    if options.schema:
        print(json.dumps(schema(), indent=2))
        return EXIT_OK
    if options.gold is None:
        raise UserError("briefing eval needs a GOLD_DIR (or --schema)")
    if options.fail_under is not None and not 0 <= options.fail_under <= 1:
        raise UserError(f"--fail-under takes an F1 from 0 to 1, not {options.fail_under}")
    for target in (options.json, options.html):
        if target is not None and target.parent and not target.parent.is_dir():
            raise UserError(f"{target}: its folder does not exist")
    result = evaluate(
        options.gold, cassettes=options.cassettes, model=options.model, mode=options.mode
    )
    print(table(result, rich_output=sys.stdout.isatty()))
    if options.json is not None:
        options.json.write_text(to_json(result), encoding="utf-8")
    if options.html is not None:
        options.html.write_text(to_html(result), encoding="utf-8")
    if options.fail_under is not None and result.f1 < options.fail_under:
        say(f"mean F1 {result.f1:.3f} is under {options.fail_under}")
        return EXIT_BELOW
    return EXIT_OK
