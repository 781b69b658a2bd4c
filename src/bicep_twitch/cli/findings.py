"""``bicep-twitch findings``: every finding a case can give, its question and allowed values.

Read from the knowledge base alone (no model, no numpy), as text for people or JSON for scripts.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import textwrap
from typing import Any

from ..core.cases import kind_of
from ..core.knowledge import CHOICE, NUMBER, YES_NO, Finding, KnowledgeBase, load_knowledge
from ..core.numbers import format_number
from .usage import EXIT_OK

YES_NO_TEXT = "true/false, yes/no or 1/0"
UNKNOWN_TEXT = "leave it out (JSON null, an empty CSV cell, or ? on the command line and in ask)"


def finding_record(f: Finding) -> dict[str, Any]:
    """One finding as plain data: ``id``, ``type``, ``question``, ``allowed`` (in words) and
    ``requires`` (the answers it applies after; empty for most); a choice adds ``choices``
    (``value`` and ``meaning``), a number ``min``, ``max``, ``step`` and ``unit``.

    ``step`` is the grid the knowledge base's tables count in; any number in the range is accepted.

    Examples
    --------
    >>> kb = load_knowledge()
    >>> r = finding_record(kb.findings["stress_level"])
    >>> r["type"], r["min"], r["max"], r["step"], r["allowed"]
    ('number', 0.0, 10.0, 1.0, 'a number from 0 to 10')
    """
    record: dict[str, Any] = {"id": f.id, "type": f.type, "question": f.question, "allowed": kind_of(f).allowed(f)}
    if f.type == CHOICE:
        record["choices"] = [{"value": c, "meaning": f.choice_text.get(c, "")} for c in f.choices]
    elif f.type == NUMBER:
        record.update(min=f.min, max=f.max, step=f.step, unit=f.unit)
    record["requires"] = dict(f.requires)
    return record


def findings_records(kb: KnowledgeBase) -> list[dict[str, Any]]:
    """Every finding of ``kb`` as :func:`finding_record`, in knowledge-base order."""
    return [finding_record(f) for f in kb.findings.values()]


def _allowed_text(f: Finding) -> str:
    if f.type == CHOICE:
        return "one of: " + ", ".join(f"{c} ({f.choice_text[c]})" if f.choice_text.get(c) else c for c in f.choices)
    if f.type == YES_NO:
        return f"yes or no ({YES_NO_TEXT})"
    unit = f" {f.unit}" if f.unit else ""
    return f"a number from {format_number(f.min)} to {format_number(f.max)}{unit}, step {format_number(f.step)}"


def _condition(requires: dict[str, Any]) -> str:
    said = " and ".join(f"{parent} is {'yes' if wanted is True else 'no' if wanted is False else wanted}"
                        for parent, wanted in requires.items())
    return f"; only when {said}" if said else ""


def findings_text(kb: KnowledgeBase, *, width: int = 100) -> str:
    """The findings for people: a short preamble, then each finding's id and type, its question,
    and what it allows, wrapped to ``width`` columns.

    Examples
    --------
    >>> text = findings_text(load_knowledge(), width=72)
    >>> print(text.split("\\n\\n")[2].split("\\n")[0])
    movement (choice)
    """
    def wrapped(text: str, indent: str = "") -> str:
        return textwrap.fill(text, width=width, initial_indent=indent, subsequent_indent=indent,
                             break_long_words=False, break_on_hyphens=False)

    blocks = [
        wrapped(f"{len(kb.findings)} findings. Every one is optional: when you don't know, {UNKNOWN_TEXT}."),
        wrapped(f"Yes/no answers are {YES_NO_TEXT}; choices and yes/no in any case when typed (command line, "
                "CSV, ask). Numbers in digits; the step is the grid the knowledge base counts in, any number in "
                "the range is accepted. 'bicep-twitch findings --format json' gives the same for scripts."),
    ]
    for f in kb.findings.values():
        kind = f"{f.type}, {f.unit}" if f.type == NUMBER and f.unit else f.type
        blocks.append("\n".join([
            f"{f.id} ({kind})",
            wrapped(f.question, "  "),
            wrapped(_allowed_text(f) + _condition(dict(f.requires)), "  "),
        ]))
    return "\n\n".join(blocks) + "\n"


def run_findings(args: argparse.Namespace) -> int:
    """``bicep-twitch findings``: print every finding, as text or JSON."""
    kb = load_knowledge()
    if args.format == "json":
        sys.stdout.write(json.dumps(findings_records(kb), indent=2) + "\n")
    else:
        width = min(100, max(40, shutil.get_terminal_size((100, 24)).columns - 1))
        sys.stdout.write(findings_text(kb, width=width))
    return EXIT_OK


__all__ = ["finding_record", "findings_records", "findings_text", "run_findings"]
