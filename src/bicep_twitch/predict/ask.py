"""``bicep-twitch ask``: the tree as an adaptive questionnaire.

A person answers only the questions on their own path through the tree, one at a time. The walk
follows the predictor's rule exactly (:meth:`TreeData.child`): a known answer is compared with
the node's cut, and "don't know" goes the way the tree learned for missing values. So every walk
reaches a leaf, and the answers collected give that same leaf, and the same result, in ``predict``.

Two more rules keep the questions sensible and the case valid:

* a finding is asked at most once; when it recurs deeper in the tree the first answer is reused;
* a follow-up finding (``requires`` in the knowledge base, e.g. ``hours_after_workout`` after a
  recent arm workout) is asked only once its precondition holds. The precondition is asked first
  if the walk has not met it yet; when it does not hold (or is unknown) the follow-up is not asked,
  counts as unknown, and the person is told so. The case therefore never contradicts itself.

Pure Python: the walk needs only the plain-data tree and the knowledge base.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Callable, TextIO

from ..core.cases import decode_value, parse_text
from .._errors import InvalidCaseError
from ..core.numbers import format_number
from ..core.knowledge import CHOICE, YES_NO, Finding, KnowledgeBase
from ..core.model_folder import check_tree_matches
from ..core.tree import TreeData
from .result import format_result_text

NAN = float("nan")
# Typed at any question: stop asking; this and every later question count as unknown.
DONE_WORDS = ("done",)
EXIT_OK, EXIT_INCOMPLETE, EXIT_INTERRUPTED = 0, 2, 130


@dataclass
class Answer:
    """One question asked and the answer finally accepted (``code`` NaN when unknown)."""

    finding: str
    question: str
    text: str
    code: float
    rejected: list[str] = field(default_factory=list)

    def to_dict(self, kb: KnowledgeBase) -> dict[str, Any]:
        return {
            "finding": self.finding,
            "question": self.question,
            "answer": self.text,
            "value": decode_value(kb.findings[self.finding], self.code),
            "rejected": list(self.rejected),
        }


@dataclass
class Skipped:
    """A follow-up finding that was not asked because its precondition does not hold."""

    finding: str
    reason: str


@dataclass
class Walk:
    """What a walk through the tree asked, and where it ended.

    ``path`` holds the node ids visited, root first; ``leaf`` is its last node once the walk is
    ``complete`` (an ended input leaves it incomplete, with ``leaf`` None).
    """

    answers: list[Answer] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    path: list[int] = field(default_factory=list)
    leaf: int | None = None

    @property
    def complete(self) -> bool:
        return self.leaf is not None

    def case(self, kb: KnowledgeBase) -> dict[str, Any]:
        """The answers as a case for ``Predictor.predict`` ("don't know" as None)."""
        return {a.finding: decode_value(kb.findings[a.finding], a.code) for a in self.answers}


class EndOfInput(Exception):
    """The answers ran out before the walk reached a leaf."""


def walk_tree(
    tree: TreeData,
    kb: KnowledgeBase,
    answer: Callable[[Finding], "Answer | float | None"],
    *,
    on_skip: Callable[[Skipped], None] | None = None,
    record: Walk | None = None,
) -> Walk:
    """Walk ``tree`` from the root, calling ``answer(finding)`` for each finding first needed.

    Parameters
    ----------
    tree : TreeData
        The plain-data tree (its ``features`` are knowledge-base finding ids).
    kb : KnowledgeBase
        Gives each finding's type, question and follow-up preconditions.
    answer : callable
        Returns the answer for a finding: an :class:`Answer`, or just its code (NaN for "don't
        know"), or None when the finding is not to be asked at all (unknown, and not recorded as
        asked); called at most once per finding. It may raise (e.g. :class:`EndOfInput`); ``record`` then holds the walk so far.
    on_skip : callable, optional
        Told about each follow-up finding left unasked because its precondition does not hold.
    record : Walk, optional
        Filled in as the walk goes (a new one by default).

    Returns
    -------
    Walk
        The answers in the order asked, the skipped follow-ups, the node path and the leaf.

    Examples
    --------
    >>> from bicep_twitch.core.knowledge import load_knowledge
    >>> from bicep_twitch.core.tree import TreeData
    >>> kb = load_knowledge()
    >>> features = list(kb.finding_ids)
    >>> tree = TreeData.from_arrays(  # root asks about caffeine: up to 4.5 cups left, else right
    ...     features=features, classes=["caffeine", "stress_anxiety"],
    ...     children_left=[1, -1, -1], children_right=[2, -1, -1],
    ...     feature=[features.index("caffeine_cups_per_day"), -2, -2], threshold=[4.5, -2.0, -2.0],
    ...     missing_go_to_left=[True, False, False],
    ...     value=[[0.5, 0.5], [0.1, 0.9], [0.9, 0.1]], n_samples=[10, 5, 5])
    >>> w = walk_tree(tree, kb, lambda finding: 7.0)
    >>> [a.finding for a in w.answers], w.path
    (['caffeine_cups_per_day'], [0, 2])
    """
    check_tree_matches(tree, kb, "this questionnaire")
    walk = record if record is not None else Walk()
    known: dict[str, float] = {a.finding: a.code for a in walk.answers}

    def value_of(fid: str) -> float:
        if fid in known:
            return known[fid]
        f = kb.findings[fid]
        for parent, wanted in f.requires.items():
            parent_code = value_of(parent)  # asks the precondition first when not yet known
            if math.isnan(parent_code) or bool(parent_code) != bool(wanted):
                skipped = Skipped(fid, _skip_reason(f, kb.findings[parent], wanted, parent_code))
                walk.skipped.append(skipped)
                if on_skip is not None:
                    on_skip(skipped)
                known[fid] = NAN
                return NAN
        given = answer(f)
        if given is None:
            known[fid] = NAN
            return NAN
        if not isinstance(given, Answer):
            given = Answer(fid, f.question, "", float(given))
        known[fid] = given.code
        walk.answers.append(given)
        return given.code

    node = 0
    walk.path[:] = [0]
    while not tree.is_leaf(node):
        x = value_of(tree.features[tree.feature[node]])
        node = tree.child(node, x)
        walk.path.append(node)
    walk.leaf = node
    return walk


def _skip_reason(f: Finding, parent: Finding, wanted: Any, parent_code: float) -> str:
    if parent.type == YES_NO:
        condition = parent.yes if wanted else parent.no
        given = "you did not know" if math.isnan(parent_code) else "you answered no" if wanted else "you answered yes"
        return f"'{f.name}' applies only if you {condition}, and {given}; counted as unknown"
    return f"'{f.name}' applies only when '{parent.id}' is {wanted!r}; counted as unknown"


def answer_hint(f: Finding) -> str:
    """The allowed answers, in brackets after a question, e.g. ``(yes or no, ? if unsure)``.

    Examples
    --------
    >>> from bicep_twitch.core.knowledge import load_knowledge
    >>> answer_hint(load_knowledge().findings["caffeine_cups_per_day"])
    '(number, 0-30 cups a day, ? if unsure)'
    """
    if f.type == YES_NO:
        allowed = "yes or no"
    elif f.type == CHOICE:
        allowed = " or ".join(f.choices)
    else:
        # "0-10 out of 10" says the range twice; such questions already give their scale.
        unit = "" if f.unit.startswith("out of") else f" {f.unit}"
        allowed = f"number, {format_number(f.min)}-{format_number(f.max)}{unit}"
    return f"({allowed}, ? if unsure)"


class Questionnaire:
    """Ask the tree's questions on text streams: one question, one answer line, until a leaf.

    Questions, the notes about skipped follow-ups and the explanations of bad answers go to
    ``out``; nothing else is written. A bad answer is explained and the same question asked again.

    Parameters
    ----------
    tree, kb
        The plain-data tree and the knowledge base.
    stdin : text stream
        One answer per line; ``?`` or an empty line means "don't know".
    out : text stream
        Where the questions go.
    echo : bool
        Write each answer after its prompt, so a transcript of piped answers reads like a
        terminal session (a terminal echoes what the person types itself).

    Examples
    --------
    >>> import io
    >>> from bicep_twitch.core.knowledge import load_knowledge
    >>> from bicep_twitch.core.tree import TreeData
    >>> kb = load_knowledge()
    >>> features = list(kb.finding_ids)
    >>> tree = TreeData.from_arrays(
    ...     features=features, classes=["caffeine", "stress_anxiety"],
    ...     children_left=[1, -1, -1], children_right=[2, -1, -1],
    ...     feature=[features.index("caffeine_cups_per_day"), -2, -2], threshold=[4.5, -2.0, -2.0],
    ...     missing_go_to_left=[True, False, False],
    ...     value=[[0.5, 0.5], [0.1, 0.9], [0.9, 0.1]], n_samples=[10, 5, 5])
    >>> out = io.StringIO()
    >>> walk = Questionnaire(tree, kb, stdin=io.StringIO("lots\\n7\\n"), out=out, echo=True).run()
    >>> walk.case(kb), walk.leaf
    ({'caffeine_cups_per_day': 7}, 2)
    >>> print(out.getvalue().strip())
    1. How many cups of coffee, energy drinks or the like a day? (number, 0-30 cups a day, ? if unsure)
    > lots
       'caffeine_cups_per_day' must be a number from 0 to 30 (got 'lots'); please answer again, or ? if unsure.
    > 7
    """

    PROMPT = "> "

    def __init__(self, tree: TreeData, kb: KnowledgeBase, *, stdin: TextIO, out: TextIO, echo: bool = False):
        self.tree = tree
        self.kb = kb
        self.stdin = stdin
        self.out = out
        self.echo = echo
        self.walk = Walk()
        self.done = False  # the person typed "done": the rest is unknown, asked no more

    def run(self) -> Walk:
        """Ask until a leaf is reached; raises :class:`EndOfInput` if the answers run out first.

        ``self.walk`` holds what was asked so far in either case.
        """
        return walk_tree(self.tree, self.kb, self._ask, on_skip=self._tell_skip, record=self.walk)

    def _ask(self, f: Finding) -> Answer | None:
        if self.done:
            return None
        number = len(self.walk.answers) + 1
        self._write(f"{number}. {f.question} {answer_hint(f)}\n")
        rejected: list[str] = []
        while True:
            self._write(self.PROMPT)
            line = self.stdin.readline()
            if not line:  # '' is end of input; an empty answer is '\n'
                self._write("\n")  # end the prompt's line before the closing message
                raise EndOfInput(f"input ended at question {number} ({f.id}), before a result was reached")
            text = line.strip()
            if self.echo:
                self._write(text + "\n")
            if text.lower() in DONE_WORDS:
                self.done = True
                self._write("   (No more questions: the rest count as unknown.)\n")
                return Answer(f.id, f.question, text, NAN, rejected)
            try:
                code = parse_text(f, _normalise(f, text))
            except InvalidCaseError as exc:
                rejected.append(text)
                self._write(f"   {exc}; please answer again, or ? if unsure.\n")
                continue
            return Answer(f.id, f.question, text, code, rejected)

    def _write(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()

    def _tell_skip(self, skipped: Skipped) -> None:
        self._write(f"   (Skipped: {skipped.reason}.)\n")


def _normalise(f: Finding, text: str) -> str:
    # Choices are lower-case words; "Spasm" typed at a prompt means "spasm".
    if f.type == CHOICE and text.lower() in f.choices:
        return text.lower()
    return text


def ask(
    predictor: Any,
    *,
    stdin: TextIO,
    out: TextIO,
    result_out: TextIO,
    err: TextIO,
    as_json: bool = False,
    echo: bool = False,
) -> int:
    """Run the questionnaire with ``predictor`` and print its result; returns the exit status.

    0 after a result; 2 when the answers end before one (message on ``err``); 130 on Ctrl-C.
    The result goes to ``result_out``: the text ``predict`` prints, or with ``as_json`` one JSON
    object ``{"questions", "skipped", "case", "result"}`` where ``result`` is
    ``predictor.predict(case).to_dict()``.
    """
    kb = predictor.kb
    questionnaire = Questionnaire(predictor.tree, kb, stdin=stdin, out=out, echo=echo)
    out.write(
        "Answer one question at a time; ? or an empty line if you don't know; "
        "done to stop and see the result. Ctrl-C quits.\n\n"
    )
    try:
        walk = questionnaire.run()
    except EndOfInput as exc:
        err.write(f"bicep-twitch ask: {exc}; no result\n")
        return EXIT_INCOMPLETE
    except KeyboardInterrupt:
        out.write("\n")
        out.flush()
        n = len(questionnaire.walk.answers)
        err.write(f"bicep-twitch ask: interrupted after {n} answer{'s' * (n != 1)}; no result\n")
        return EXIT_INTERRUPTED
    case = walk.case(kb)
    result = predictor.predict(case)
    n = len(walk.answers)
    out.write(f"\n{n} question{'s' * (n != 1)} answered (a full form asks {len(kb.findings)}).\n\n")
    out.flush()
    if as_json:
        record = {
            "questions": [a.to_dict(kb) for a in walk.answers],
            "skipped": [{"finding": s.finding, "reason": s.reason} for s in walk.skipped],
            "case": case,
            "result": result.to_dict(),
        }
        result_out.write(json.dumps(record, indent=2) + "\n")
    else:
        result_out.write(format_result_text(result).rstrip("\n") + "\n")
    result_out.flush()
    return EXIT_OK
