"""Print each variant's in-process score (share of its test cell's points) and the verdict's key line.

    .venv/bin/python -m tests.variant_table [notebook-prefix ...] [--gallery]

One Markdown table per notebook: label, VALID/WRONG, score, and the "Likely mistake" (or first
problem) line of the verdict. ``--gallery``: only the variants below a ``# ---- gallery`` comment.
"""
from __future__ import annotations

import re
import sys
import warnings

from chainrule_reference.grading import WarningTally, learner_impl, run_hidden_test
from chainrule_reference.hidden import HIDDEN_TESTS

from .nbtools import ASSIGNMENTS
from .test_hidden_tests import solution_namespace
from .variants import variants_for


def key_phrase(message: str) -> str:
    for pattern in (r"Likely mistake: ([^\n]*)", r"Style \(costs[^\n]*\n\s*([^\n]*)", r"case \d+ of \d+ [^\n]*\n"
                    r"(?:\s*inputs:[^\n]*\n)?\s*([^\n]*)"):
        found = re.search(pattern, message)
        if found:
            return found.group(1).strip()[:110]
    return message.splitlines()[-1][:110] if message else ""


def score(assignment: str, variant) -> tuple[float, str]:
    namespace = solution_namespace(assignment)
    exec(variant.source, namespace)
    test = HIDDEN_TESTS[variant.test.removeprefix("test_")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            report = run_hidden_test(test, learner_impl(test, namespace, WarningTally()), WarningTally())
        except Exception as err:  # noqa: BLE001 - a CheckFailure before any case (a missing function)
            return 0.0, str(err)[:110]
    return report.fraction, key_phrase(report.message()) if report.failures or report.notes else ""


def gallery_labels(assignment: str) -> set[str]:
    from pathlib import Path
    module = next(p for p in (Path(__file__).parent / "variants").glob("*.py")
                  if f'NOTEBOOK = "{assignment}"' in p.read_text())
    labels: set[str] = set()
    for part in module.read_text().split("# ---- gallery")[1:]:
        labels |= set(re.findall(r'Variant\("\w+", "([^"]+)"', part.split("\n]\n")[0]))
    return labels


def main(argv: list[str]) -> None:
    only_gallery = "--gallery" in argv
    prefixes = [a for a in argv if not a.startswith("--")]
    for assignment in ASSIGNMENTS:
        if prefixes and not any(assignment.startswith(p) for p in prefixes):
            continue
        valid, wrong = variants_for(assignment)
        wanted = gallery_labels(assignment) if only_gallery else None
        print(f"\n### {assignment}\n\n| function | variant | kind | score | key phrase |\n|---|---|---|---|---|")
        for kind, variants in (("VALID", valid), ("WRONG", wrong)):
            for v in variants:
                if wanted is not None and v.label not in wanted:
                    continue
                fraction, phrase = score(assignment, v)
                print(f"| {v.cell} | {v.label} | {kind} | {fraction:.0%} | {phrase.replace('|', '/')} |")


if __name__ == "__main__":
    main(sys.argv[1:])
