"""``bicep-twitch ask``: the tree as an adaptive questionnaire.

A person answers only the questions on their own path through the tree, one at a time. The walk
follows the predictor's rule exactly (:meth:`TreeData.child`): a known answer is compared with
the node's cut, and "don't know" goes the way the tree learned for missing values. So every walk
reaches a leaf, and the answers collected give that same leaf, and the same result, in ``predict``.

The questionnaire is one pure function, :func:`next_step`: the answers so far (a list of
:class:`Answer`) -> the next question, or none when the result is due. ``ask`` (through
:class:`Questionnaire`, the terminal around it), :func:`walk_tree` (a callback around it) and the
tests all drive it; the page runs the same rules from the compiled spec (``logic.js``), held to
it by the golden cases. Undoing an answer is dropping the last one from the list.

Two more rules keep the questions sensible and the case valid:

* a finding is asked at most once; when it recurs deeper in the tree the first answer is reused;
* a follow-up finding (``requires`` in the knowledge base, e.g. ``hours_after_workout`` after a
  recent arm workout) is asked only once its precondition holds. The precondition is asked first
  if the walk has not met it yet; when it does not hold (or is unknown) the follow-up is not asked,
  counts as unknown, and the person is told so. The case therefore never contradicts itself.

First of all, the emergency screen: one short question on the signs of an emergency or an
urgent problem, their details only after a yes; an emergency ends the questions at once (see
:func:`next_step`). Before any result, the safety screen (:func:`core.triage.screening_findings`) asks every red flag
and medicine question not answered yet, whatever the tree's path: real triage screens the red
flags before it reassures anyone. A person may start from what they already know (``given``:
only the rest is asked), and may type ``why`` at any prompt to hear which causes the question
separates most at that point. With ``describe``, the walk first invites a description in the
person's own words (:func:`core.describe.parse_description`): the findings read and kept are
answers of their own phase, never asked. Every typed answer is read by the same rules
(:func:`core.describe.read_answer`: "y", "3 weeks", "5 cups"), and ``back`` takes answers back. Banners, the result and exit statuses are the command line's
(:mod:`bicep_twitch.cli.asking`).

Pure Python: the walk needs only the plain-data tree and the knowledge base.
"""

from __future__ import annotations

import math
import re
import shutil
import textwrap
from dataclasses import dataclass, field
from typing import Any, Callable, TextIO

from ..core.cases import decode_value, encode_value, kind_of, read_number, shown
from ..core.describe import parse_description, read_answer
from .._errors import InvalidCaseError
from ..core.knowledge import Finding, KnowledgeBase
from ..core.model_folder import check_tree_matches
from ..core.numbers import percent
from ..core.spec import skip_reason
from ..core.tree import TreeData
from ..core.triage import (LEVELS, SCREEN_QUESTION, SCREENED_LEVELS, emergency_screen, finding_rules, most_urgent_fired, rule_follow_ups,
                           rule_test, rule_words, screening_findings)
from .reasons import separated_causes

NAN = float("nan")
# Typed at a question of the tree: ask no more of them (they count as unknown); the safety
# questions are still asked. Typed at a safety question: ask nothing more at all.
DONE_WORDS = ("done",)
WHY_WORDS = ("why", "why?")
BACK_WORDS = ("back", "undo")
TREE, SAFETY = "tree", "safety"
# The first phase: one short question on the signs of an emergency, and its details after a yes.
EMERGENCY = "emergency"
EMERGENCY_LEVEL = LEVELS[-1]
# The description phase, right after the emergency screen: its answers are the findings read from
# the person's own words, after an Answer for the description itself (finding DESCRIPTION), which
# marks the phase as done.
DESCRIBE, DESCRIPTION = "description", "(description)"


@dataclass
class Answer:
    """One question asked and the answer finally accepted (``code`` NaN when unknown)."""

    finding: str
    question: str
    text: str
    code: float
    rejected: list[str] = field(default_factory=list)
    asked_for: str = TREE
    stop: bool = False  # "done" was typed here: no more questions of this phase (or none at all)

    def to_dict(self, kb: KnowledgeBase) -> dict[str, Any]:
        return {
            "finding": self.finding,
            "question": self.question,
            "answer": self.text,
            "value": decode_value(finding_of(kb, self.finding), self.code),
            "rejected": list(self.rejected),
            "asked_for": self.asked_for,
        }


@dataclass
class Skipped:
    """A follow-up finding that was not asked because its precondition does not hold."""

    finding: str
    reason: str


@dataclass
class Walk:
    """What a walk through the tree asked, and where it ended.

    ``given`` holds what the person said up front (finding id -> code; never asked again);
    ``path`` the node ids visited, root first; ``leaf`` is its last node once the walk is
    ``complete`` (an ended input leaves it incomplete, with ``leaf`` None).
    """

    answers: list[Answer] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    path: list[int] = field(default_factory=list)
    leaf: int | None = None
    given: dict[str, float] = field(default_factory=dict)
    emergency: bool = False  # ended early: the answers give the most urgent level

    @property
    def complete(self) -> bool:
        return self.leaf is not None

    def known(self, kb: KnowledgeBase) -> dict[str, float]:
        """Every finding settled so far: given, asked (NaN for "don't know"), answered by the
        emergency screen's "no" (:func:`answer_codes`) or skipped (NaN)."""
        known = {s.finding: NAN for s in self.skipped}
        known.update(answer_codes(kb, self.answers, given=self.given))
        return known

    def case(self, kb: KnowledgeBase) -> dict[str, Any]:
        """The given and asked answers as a case for ``Predictor.predict`` ("don't know" as None);
        the emergency screen's "no" is a no to each finding it answers."""
        codes = answer_codes(kb, self.answers, given=self.given)
        return {fid: decode_value(kb.findings[fid], code) for fid, code in codes.items()}


def screen_finding(kb: KnowledgeBase) -> Finding:
    """The emergency screen's one short question, as a yes/no finding the questionnaire can ask."""
    return Finding(id=SCREEN_QUESTION, type="yes/no", question=emergency_screen(kb)["question"],
                   name="the emergency screen", salience=0.0, source=None,  # type: ignore[arg-type]
                   yes="one of the signs of an emergency applies", no="none of the signs of an emergency applies")


def finding_of(kb: KnowledgeBase, fid: str) -> Finding:
    """The finding an answer is about: a knowledge-base finding, or the emergency screen's question."""
    return screen_finding(kb) if fid == SCREEN_QUESTION else kb.findings[fid]


def answer_codes(kb: KnowledgeBase, answers: "list[Answer]", *, given: dict[str, float] | None = None) -> dict[str, float]:
    """Every finding the answers settle (finding id -> code, NaN for "don't know").

    How the emergency screen is recorded: its one short question is one :class:`Answer` (finding
    :data:`SCREEN_QUESTION`, phase ``"emergency"``). A "no" is the person's answer to every sign it
    lists, so each finding it fully covers (``implied_no`` of
    :func:`~bicep_twitch.core.triage.emergency_screen`) counts as answered no, unless already
    given; a finding it covers only in part (weakness: only sudden or fast weakness is listed)
    stays open and is asked later. "Yes" and "don't know" settle nothing: the details are asked.
    """
    known = {fid: x for fid, x in (given or {}).items() if x == x}
    for a in answers:
        if a.finding != SCREEN_QUESTION:
            known[a.finding] = a.code
        elif a.code == 0:
            for fid in emergency_screen(kb)["implied_no"]:
                known.setdefault(fid, 0.0)
    return known


def screen_code(kb: KnowledgeBase, answer: Callable[[str], float]) -> float:
    """How someone whose answers are ``answer`` (finding id -> code, NaN unknown) answers the
    emergency screen: yes (1) when a sign it lists applies, no (0) when they deny every sign the
    "no" stands for, else "don't know" (NaN): a "no" must never put words in their mouth."""
    if any(bool(rule_test(kb, r, answer)[0]) for r in finding_rules(kb) if r.level in SCREENED_LEVELS):
        return 1.0
    return 0.0 if all(answer(fid) == 0 for fid in emergency_screen(kb)["implied_no"]) else NAN


class EndOfInput(Exception):
    """The answers ran out before the walk reached a leaf."""


@dataclass
class Step:
    """Where a questionnaire stands: the next question to ask, or none when the result is due.

    ``need`` is the finding to ask next (None: ask nothing more; :data:`SCREEN_QUESTION` for the
    emergency screen's one short question); ``phase`` whether it is asked by the emergency screen
    (``"emergency"``), for the tree's path (``"tree"``) or by the safety screen (``"safety"``);
    ``emergency`` that the answers give the most urgent level, so nothing more is asked; ``pending`` the
    safety findings still to ask when ``need`` opens the screen, in order; ``path`` the nodes
    walked so far, root first; ``leaf`` its last node once the walk got there; ``skipped`` the
    follow-ups this walk passed whose precondition does not hold.
    """

    need: str | None
    phase: str
    path: list[int]
    leaf: int | None
    skipped: list[Skipped]
    pending: list[str] = field(default_factory=list)
    opens_screen: bool = False
    emergency: bool = False


def next_step(
    tree: TreeData,
    kb: KnowledgeBase,
    answers: "list[Answer]",
    *,
    given: dict[str, float] | None = None,
    screen: bool = True,
    describe: bool = False,
) -> Step:
    """The questionnaire as a pure function: the answers so far -> the next question, or the end.

    The rules, which the page follows too (through its spec), in the order they are asked:

    * the emergency screen first (with ``screen``): one short question listing the signs of an
      emergency or of an urgent problem (:func:`~bicep_twitch.core.triage.emergency_screen`); after
      a yes or "don't know", each of them in turn; after a no, nothing more here (see
      :func:`answer_codes` for how that no is recorded). It is asked only when some of them are
      not known yet;
    * as soon as a rule of the most urgent level fires (e.g. the weakness came on suddenly), the
      questionnaire ends: ``need`` None, ``emergency`` True, the result (with its call to action
      first) is due at once; the path is the tree's walk with the rest unknown;
    * a follow-up a triage rule tests (how the weakness came on) is asked right after its
      precondition's yes, wherever that was asked;
    * walk from the root with every answer known so far; a finding is asked at most once;
    * a follow-up (``requires``) asks its precondition first; when that does not hold (or is
      unknown) the follow-up is skipped, counted unknown;
    * at a leaf, the safety screen asks every screening finding not known yet, in order. A safety
      answer cannot move the path (the path's own findings are known by then), except after
      ``stop``, when the tree asks nothing more anyway: so the screen runs to its end;
    * ``stop`` on a tree answer ("done") leaves the tree's other questions unknown, the safety
      screen still comes; on a safety answer it ends all questions; on an emergency-screen answer
      it ends that screen (what it did not ask comes back in the safety screen).

    Parameters
    ----------
    tree, kb
        The plain-data tree and the knowledge base it speaks.
    answers : list of Answer
        Every answer so far, in the order given (``code`` NaN for "don't know").
    given : mapping, optional
        Findings known up front (finding id -> code); never asked.
    screen : bool
        Ask the emergency screen first, the rule follow-ups and the safety screen (default);
        off, only the tree's path.
    describe : bool
        Right after the emergency screen (or first, without ``screen``), invite a description in
        the person's own words (``need`` is DESCRIPTION, phase DESCRIBE) until an answer for
        DESCRIPTION is in ``answers``; the findings read from it come as answers with
        ``asked_for`` DESCRIBE, never asked again.

    Examples
    --------
    >>> from bicep_twitch import Predictor
    >>> p = Predictor.load()
    >>> next_step(p.tree, p.kb, []).need  # no answers yet: the emergency screen's one question
    'emergency_screen'
    >>> no = Answer("emergency_screen", "", "no", 0.0, asked_for="emergency")
    >>> first = next_step(p.tree, p.kb, [no])  # then the root's question
    >>> first.need == p.tree.features[p.tree.feature[0]], first.phase, first.path
    (True, 'tree', [0])
    >>> after = next_step(p.tree, p.kb, [no, Answer(first.need, "", "?", float("nan"))])
    >>> after.path == [0, p.tree.child(0, float("nan"))]
    True
    >>> sudden = [Answer("emergency_screen", "", "yes", 1.0, asked_for="emergency"),
    ...           Answer("weakness", "", "yes", 1.0, asked_for="emergency"),
    ...           Answer("weakness_onset", "", "sudden", 0.0, asked_for="emergency")]
    >>> end = next_step(p.tree, p.kb, sudden)
    >>> end.need, end.emergency
    (None, True)
    """
    described = any(a.finding == DESCRIPTION for a in answers)
    answers = [a for a in answers if a.finding != DESCRIPTION]
    known = answer_codes(kb, answers, given=given)
    done = any(a.stop and a.asked_for == TREE for a in answers)
    stopped = any(a.stop and a.asked_for == SAFETY for a in answers)
    ended = screen and most_urgent_fired(kb, lambda fid: known.get(fid, NAN))
    pending = [fid for fid in screening_findings(kb) if fid not in known] if screen and not stopped else []
    skipped: list[Skipped] = []
    need: list[str] = []
    first = _first_need(kb, answers, known) if screen and not stopped and not ended else None
    # The description comes once the emergency screen (and what it asks after a yes) is done.
    if describe and not described and not ended and (first is None or first[1] != EMERGENCY):
        return Step(DESCRIPTION, DESCRIBE, [0], None, [])

    def value_of(fid: str) -> float:
        if fid in known or ended:
            return known.get(fid, NAN)
        f = kb.findings[fid]
        for parent, wanted in f.requires.items():
            parent_code = value_of(parent)  # asks the precondition first when not yet known
            if need:
                return NAN
            if math.isnan(parent_code) or bool(parent_code) != bool(wanted):
                skipped.append(Skipped(fid, skip_reason(f, kb.findings[parent], wanted, parent_code)))
                known[fid] = NAN
                return NAN
        if stopped or done:  # not asked: unknown, and not recorded as asked
            known[fid] = NAN
            return NAN
        need.append(fid)
        return NAN

    node, path = 0, [0]
    while not tree.is_leaf(node):
        x = value_of(tree.features[tree.feature[node]])
        if need or first:
            break
        node = tree.child(node, x)
        path.append(node)
    if first:  # the emergency screen, or a rule's follow-up, before the tree's next question
        return Step(first[0], first[1], path, None, [])
    if need:
        return Step(need[0], TREE, path, None, skipped)
    if ended:
        return Step(None, TREE, path, node, [], emergency=True)
    if pending:
        opens = not answers or answers[-1].asked_for != SAFETY
        return Step(pending[0], SAFETY, path, node, skipped, pending, opens_screen=opens)
    return Step(None, TREE, path, node, skipped)


def _first_need(kb: KnowledgeBase, answers: "list[Answer]", known: dict[str, float]) -> tuple[str, str] | None:
    """What comes before the tree's next question, as ``(finding, phase)``: a rule's follow-up
    whose precondition was just answered yes, or the emergency screen.

    The follow-up is asked in its precondition's phase; a precondition read from the description
    (never asked: the description phase asks nothing) counts as one given up front.
    """
    phase_of = {a.finding: a.asked_for for a in answers if a.asked_for != DESCRIBE}
    for fid in rule_follow_ups(kb):
        requires = kb.findings[fid].requires
        if fid not in known and all(known.get(p) == (1.0 if wanted else 0.0) for p, wanted in requires.items()):
            return fid, next((phase_of[p] for p in requires if p in phase_of), SAFETY)
    details = [fid for fid in emergency_screen(kb)["findings"] if fid not in known]
    said = next((a for a in answers if a.finding == SCREEN_QUESTION), None)
    if not details or any(a.stop and a.asked_for == EMERGENCY for a in answers):
        return None
    if said is None:
        return SCREEN_QUESTION, EMERGENCY
    return (details[0], EMERGENCY) if said.code != 0 else None


def walk_tree(
    tree: TreeData,
    kb: KnowledgeBase,
    answer: Callable[[Finding], "Answer | float | None"],
    *,
    on_skip: Callable[[Skipped], None] | None = None,
    record: Walk | None = None,
    screen: bool = False,
) -> Walk:
    """Walk ``tree`` (by :func:`next_step`), calling ``answer(finding)`` for each finding needed.

    Parameters
    ----------
    tree : TreeData
        The plain-data tree (its ``features`` are knowledge-base finding ids).
    kb : KnowledgeBase
        Gives each finding's type, question and follow-up preconditions.
    answer : callable
        Returns the answer for a finding: an :class:`Answer`, or just its code (NaN for "don't
        know"), or None when the finding is not to be asked at all (unknown, and not recorded as
        asked); called at most once per finding. It may raise (e.g. :class:`EndOfInput`);
        ``record`` then holds the walk so far.
    on_skip : callable, optional
        Told about each follow-up finding left unasked because its precondition does not hold.
    record : Walk, optional
        Filled in as the walk goes (a new one by default).
    screen : bool
        Also ask the emergency screen first and the safety screen after the tree (off by
        default: the tree's path only). ``answer`` is then also called with the emergency
        screen's question (:func:`screen_finding`; :func:`screen_code` answers it from a case).

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
    so_far = list(walk.answers)  # and the findings not asked (None), which count as unknown
    while True:
        step = next_step(tree, kb, so_far, given=walk.given, screen=screen)
        seen = {k.finding for k in walk.skipped}
        for s in step.skipped:
            if s.finding not in seen:
                walk.skipped.append(s)
                if on_skip is not None:
                    on_skip(s)
        walk.path[:] = step.path
        if step.need is None:
            walk.leaf, walk.emergency = step.leaf, step.emergency
            return walk
        f = finding_of(kb, step.need)
        given = answer(f)
        if given is None:
            so_far.append(Answer(f.id, f.question, "", NAN, asked_for=step.phase))
            continue
        if not isinstance(given, Answer):
            given = Answer(f.id, f.question, "", float(given), asked_for=step.phase)
        so_far.append(given)
        walk.answers.append(given)


def answer_hint(f: Finding) -> str:
    """The allowed answers, in brackets after a question, e.g. ``(yes or no, ? if unsure)``.

    Examples
    --------
    >>> from bicep_twitch.core.knowledge import load_knowledge
    >>> answer_hint(load_knowledge().findings["caffeine_cups_per_day"])
    '(number, 0-30 cups a day, ? if unsure)'
    """
    return f"({kind_of(f).hint_words(f)}, ? if unsure)"


ANSWER_ERROR_TAIL = "(? if unsure, why to hear why it is asked)"


def answer_error(f: Finding, text: str) -> str:
    """What was wrong with a typed answer, in the question's own words, and what to type instead.

    Examples
    --------
    >>> from bicep_twitch.core.knowledge import load_knowledge
    >>> kb = load_knowledge()
    >>> answer_error(kb.findings["recent_arm_workout"], "maybe")
    "'maybe' is not an answer to this question: please answer yes or no (? if unsure, why to hear why it is asked)"
    >>> answer_error(kb.findings["caffeine_cups_per_day"], "31")
    '31 is more than 30 cups a day: please answer a number from 0 to 30 cups a day (? if unsure, why to hear why it is asked)'
    """
    return kind_of(f).answer_error(f, text, ANSWER_ERROR_TAIL)


MAX_ANSWER_CHARS = 1_000  # an answer is a word or a number; a longer line is a pasted file or a stream of junk


class AnswerTooLong(Exception):
    """An answer line longer than ``MAX_ANSWER_CHARS``: the questionnaire ends, exit status 2."""


def read_answer_line(stdin: TextIO, where: int | str, *, limit: int = MAX_ANSWER_CHARS) -> str:
    """One answer line from ``stdin``, read at most ``limit + 1`` characters at a time ('' at the end).

    A longer line is refused unread beyond the limit and never echoed, so ``ask < /dev/zero``
    or a 200 MB line costs neither memory nor time.

    Raises
    ------
    AnswerTooLong
        The line at ``where`` (a question's number, or words such as "the description") is
        longer than ``limit`` characters.
    """
    line = stdin.readline(limit + 1)
    if len(line) > limit and not (len(line) == limit + 1 and line.endswith("\n")):
        raise AnswerTooLong(
            f"the answer at {f'question {where}' if isinstance(where, int) else where} is longer than {limit:,} "
            f"characters (it starts {shown(line[:20])}); "
            "an answer is a word or a number"
        )
    return line


class Questionnaire:
    """Ask the tree's questions, then the safety screen, on text streams; one answer a line.

    Questions, notes about skipped follow-ups, answers to ``why`` and the explanations of bad
    answers go to ``out``; nothing else is written. A bad answer is explained in words and the
    same question asked again.

    Parameters
    ----------
    tree, kb
        The plain-data tree and the knowledge base.
    stdin : text stream
        One answer per line; ``?`` or an empty line means "don't know"; ``why`` asks why this
        question; ``done`` stops the tree's questions (the safety questions still come).
    out : text stream
        Where the questions go.
    echo : bool
        Write each answer after its prompt, so a transcript of piped answers reads like a
        terminal session (a terminal echoes what the person types itself).
    given : mapping, optional
        Findings the person gave up front (finding id -> encoded value); never asked.
    screen : bool
        Ask the safety questions before the walk ends (default); off, only the tree's path.
    describe : bool
        First invite a description in the person's own words, show what was read, let the
        person remove lines, and take the rest as answers (off by default).
    width : int, optional
        Wrap every line to this many columns (never inside a word); default the terminal's
        width (80 when it has none).

    ``back`` (or ``undo``) at any prompt takes back the last answer, again and again, through
    the findings read from the description and then the description itself.

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
    >>> q = Questionnaire(tree, kb, stdin=io.StringIO("lots\\n7\\n"), out=out, echo=True, screen=False,
    ...                   width=80)
    >>> walk = q.run()
    >>> walk.case(kb), walk.leaf
    ({'caffeine_cups_per_day': 7}, 2)
    >>> print(out.getvalue().strip())
    1. How many cups of coffee, energy drinks or the like a day? (number, 0-30 cups
       a day, ? if unsure)
    > lots
       'lots' is not a number: please answer a number from 0 to 30 cups a day (? if
       unsure, why to hear why it is asked).
    > 7
    """

    PROMPT = "> "

    def __init__(
        self,
        tree: TreeData,
        kb: KnowledgeBase,
        *,
        stdin: TextIO,
        out: TextIO,
        echo: bool = False,
        given: dict[str, float] | None = None,
        screen: bool = True,
        describe: bool = False,
        width: int | None = None,
    ):
        self.tree = tree
        self.kb = kb
        self.stdin = stdin
        self.out = out
        self.echo = echo
        self.screen = screen
        self.describe = describe
        self.width = width if width is not None else terminal_width()
        self.walk = Walk(given={fid: x for fid, x in (given or {}).items() if x == x})
        self.trail: list[Answer] = []  # every answer, with the description's own: what next_step sees

    def run(self) -> Walk:
        """Ask until a leaf is reached and the safety screen is through (by :func:`next_step`).

        Raises :class:`EndOfInput` if the answers run out first; ``self.walk`` holds what was
        asked so far in either case. A safety answer may change the tree's path: the walk then
        goes on from the root with every answer kept, until nothing new is asked.
        """
        told: set[str] = set()
        while True:
            self.walk.answers[:] = [a for a in self.trail if a.finding != DESCRIPTION]
            step = next_step(self.tree, self.kb, self.trail, given=self.walk.given, screen=self.screen,
                             describe=self.describe)
            self.walk.skipped[:] = [k for k in self.walk.skipped if k.finding in {s.finding for s in step.skipped}]
            seen = {k.finding for k in self.walk.skipped}
            for skipped in step.skipped:
                if skipped.finding not in seen:
                    self.walk.skipped.append(skipped)
                    if skipped.finding not in told:  # said once, even when undone and met again
                        told.add(skipped.finding)
                        self._tell_skip(skipped)
            self.walk.path[:] = step.path
            if step.need is None:
                self.walk.leaf = step.leaf
                self.walk.emergency = step.emergency
                if step.emergency:
                    words = self.kb.triage_levels[EMERGENCY_LEVEL].text
                    self._write(f"   No more questions: {words[0].upper() + words[1:]}. Your result follows.\n")
                return self.walk
            if step.phase == DESCRIBE:
                self._describe()
                continue
            if step.need == SCREEN_QUESTION:
                self._write("   First, one question on signs that need help at once or today.\n")
            if step.opens_screen:
                n = len(step.pending)
                self._write(
                    f"   Before the result, {n} safety question{'s' * (n != 1)}: each can call for a doctor "
                    "whatever else you answered.\n"
                )
            answer = self._ask(finding_of(self.kb, step.need), step.phase)
            if answer is not None:
                self.trail.append(answer)

    @property
    def description(self) -> str | None:
        """The description the answers were read from ("" when skipped; None when not asked, or taken back)."""
        return next((a.text for a in self.trail if a.finding == DESCRIPTION), None)

    def pending_safety(self) -> list[str]:
        """The safety findings not given, asked or skipped yet."""
        known = self.walk.known(self.kb)
        return [fid for fid in screening_findings(self.kb) if fid not in known]

    def safety_unknown(self) -> list[str]:
        """The safety findings that stayed unknown (not asked, "don't know" or after "done")."""
        known = self.walk.known(self.kb)
        return [fid for fid in screening_findings(self.kb) if known.get(fid, NAN) != known.get(fid, NAN)]

    def _read_line(self, where: str) -> str:
        self._write(self.PROMPT)
        line = read_answer_line(self.stdin, where)
        if not line:  # '' is end of input; an empty answer is '\n'
            self._write("\n")  # end the prompt's line before the closing message
            raise EndOfInput(f"input ended at {where}, before a result was reached")
        text = line.strip()
        if self.echo:  # a typed escape sequence is shown, never played on the terminal
            self._write((text if text.isprintable() else repr(text)[1:-1]) + "\n")
        return text

    def _ask(self, f: Finding, phase: str = TREE) -> Answer | None:
        """The answer to ``f``, or None when the person took back the answer before."""
        number = sum(1 for a in self.walk.answers if a.asked_for != DESCRIBE) + 1
        self._write(f"{number}. {f.question} {answer_hint(f)}\n")
        rejected: list[str] = []
        while True:
            text = self._read_line(f"question {number} ({f.name})")
            if text.lower() in WHY_WORDS:
                self._write(self.why(f))
                continue
            if text.lower() in BACK_WORDS:
                if self._back():
                    return None
                continue
            if text.lower() in DONE_WORDS:
                return self._stop(f, text, rejected, phase)
            try:
                value = read_answer(f, text, tail=ANSWER_ERROR_TAIL)
                code = encode_value(f, value)
            except InvalidCaseError as exc:
                rejected.append(text)
                self._write(f"   {exc}.\n")
                continue
            if value is not None and f.type == "number" and read_number(text) is None:
                self._write(f"   (Read as {decode_value(f, code)} {f.unit}.)\n".replace(" .)", ".)"))
            return Answer(f.id, f.question, text, code, rejected, phase)

    def _back(self) -> bool:
        """Take back the last answer (True), or say there is none (False)."""
        if not self.trail:
            self._write("   (Nothing to take back yet.)\n")
            return False
        gone = self.trail.pop()
        if gone.finding == DESCRIPTION:
            self._write("   (Taken back: your description. Describe it again, or press Enter to skip.)\n")
        elif gone.asked_for == DESCRIBE:
            f = self.kb.findings[gone.finding]
            self._write(f"   (Taken back: {f.id}: {_shown(decode_value(f, gone.code))}, read from your description.)\n")
        else:
            self._write(f"   (Taken back: your answer {gone.text!r} to: {gone.question})\n")
        return True

    def _describe(self) -> None:
        """Invite a description, show what it read, let lines be removed, and keep the rest as answers."""
        self._write("Describe it in your own words, or press Enter to skip (for example: bicep twitching for "
                    "3 weeks, 2 coffees a day, no weakness).\n")
        while True:
            text = self._read_line("the description")
            if text.lower() in BACK_WORDS:
                if self._back():
                    return  # an answer before the description (the emergency screen's) is asked again
                continue
            if not text:
                self.trail.append(Answer(DESCRIPTION, "", "", NAN, asked_for=DESCRIBE))
                self._write("\n")
                return
            read = parse_description(text)
            # What was given or answered already (the emergency screen's answers come first) stays as it is.
            answered = set(self.walk.given) | {a.finding for a in self.trail}
            usable = [e for e in read.evidence if e.finding in self.kb.findings and e.finding not in answered]
            if not usable:
                self._write("   I could not read any answer from that; the questions follow (back to "
                            "describe it again).\n\n")
                self.trail.append(Answer(DESCRIPTION, "", text, NAN, asked_for=DESCRIBE))
                return
            kept = self._confirm(usable)
            if kept is None:
                self._write("Describe it again, or press Enter to skip.\n")
                continue
            self.trail.append(Answer(DESCRIPTION, "", text, NAN, asked_for=DESCRIBE))
            for e in kept:
                f = self.kb.findings[e.finding]
                if not self._precondition_kept(f, e, kept):
                    continue
                self.trail.append(Answer(f.id, f.question, e.text, encode_value(f, e.value), asked_for=DESCRIBE))
            n = sum(1 for a in self.trail if a.asked_for == DESCRIBE and a.finding != DESCRIPTION)
            self._write(f"   Kept {n} answer{'s' * (n != 1)} from your description; the questions ask only the "
                        "rest (back takes answers back).\n\n")
            return

    def _precondition_kept(self, f: Finding, e, kept: list) -> bool:
        """A follow-up read ("2 hours after my workout") implies its precondition, kept before it.

        A precondition the description denies, or one given or answered the other way, leaves the
        follow-up out: the case never contradicts itself.
        """
        so_far = answer_codes(self.kb, [a for a in self.trail if a.finding != DESCRIPTION], given=self.walk.given)
        for parent, wanted in f.requires.items():
            said = next((k.value for k in kept if k.finding == parent), None)
            known = so_far.get(parent, NAN)
            if said is None and known != known:
                p = self.kb.findings[parent]
                self.trail.append(Answer(parent, p.question, e.text, 1.0 if wanted else 0.0, asked_for=DESCRIBE))
                self._write(f"   ({f.id} implies that you {p.yes}: kept as {'yes' if wanted else 'no'}.)\n")
            elif (said if said is not None else bool(known)) != wanted:
                self._write(f"   ({f.id} left out: it applies only when {parent} is {'yes' if wanted else 'no'}.)\n")
                return False
        return True

    def _confirm(self, evidence: list) -> list | None:
        """Show the findings read; Enter keeps them, line numbers remove lines, back starts again (None)."""
        while True:
            self._write("   I read:\n")
            for i, e in enumerate(evidence, 1):
                self._write(f"     {i}. {e.finding}: {_shown(e.value)} (from \"{e.text}\")\n")
            if not evidence:
                self._write("     (nothing left)\n")
            self._write("   Is that right? Press Enter to accept, or type the number of a line to remove it "
                        "(several: 1 3), or back to describe it again.\n")
            while True:
                text = self._read_line("the check of the description")
                if text.lower() in BACK_WORDS:
                    return None
                if not text:
                    return evidence
                picks = text.replace(",", " ").split()
                wrong = [p for p in picks if not p.isdigit() or not 1 <= int(p) <= len(evidence)]
                if wrong:
                    self._write(f"   {wrong[0]!r} is not a line number: type numbers from 1 to {len(evidence)}, "
                                "or press Enter to accept.\n")
                    continue
                drop = {int(p) for p in picks}
                evidence = [e for i, e in enumerate(evidence, 1) if i not in drop]
                break

    def _stop(self, f: Finding, text: str, rejected: list[str], phase: str) -> Answer:
        if phase == SAFETY:
            self._write("   (No more questions: the safety questions left count as unknown.)\n")
        else:
            self._write("   (No more questions about the path: the rest count as unknown. The safety questions come next.)\n")
        return Answer(f.id, f.question, text, NAN, rejected, phase, stop=True)

    def why(self, f: Finding) -> str:
        """Why ``f`` is asked now: the causes its answer separates most, given the answers so far."""
        if f.id == SCREEN_QUESTION:
            return ("   Why this question: each of these needs help at once or today, whatever else you answer.\n"
                    "   After a yes (or ?) each is asked in turn; an emergency ends the questions there.\n")
        known = self.walk.known(self.kb)
        moved = separated_causes(self.kb, known, f.id)
        lines = ["   Why this question: given your answers so far, it separates these causes most:"]
        for cause, words, before, after in moved:
            lines.append(f"     {self.kb.causes[cause].label}: {percent(before)} now, {percent(after)} if {words}")
        rules = [r for r in self.kb.red_flags if r.finding == f.id]
        if rules:
            lines.append("   It is also a safety question: " + "; ".join(f"if {rule_words(self.kb, r)}" for r in rules) + ".")
        elif f.id in {flag.finding for flag in self.kb.medicine_flags}:
            lines.append("   It is also a safety question: a medicine that can cause twitching is for the doctor "
                         "who prescribed it to weigh.")
        lines.append("   (Chances from the knowledge base alone, not the tree.)")
        return "\n".join(lines) + "\n"

    def _write(self, text: str) -> None:
        self.out.write(wrap_lines(text, self.width))
        self.out.flush()

    def _tell_skip(self, skipped: Skipped) -> None:
        self._write(f"   (Skipped: {skipped.reason}.)\n")


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def terminal_width() -> int:
    """The terminal's width in columns (80 when there is none, e.g. output to a pipe)."""
    return shutil.get_terminal_size((80, 24)).columns


def wrap_lines(text: str, width: int) -> str:
    """Each line of ``text`` wrapped to ``width`` columns, never inside a word.

    A wrapped line goes on under its own text: past its indent and a question's number.

    Examples
    --------
    >>> print(wrap_lines("12. How many cups of coffee or energy drinks a day?\\n", 30), end="")
    12. How many cups of coffee or
        energy drinks a day?
    """
    lines = []
    for line in text.split("\n"):
        if len(line) <= width:
            lines.append(line)
            continue
        hang = " " * re.match(r" *(?:\d+\. )?", line).end()
        lines.append(textwrap.fill(line, width, subsequent_indent=hang, break_long_words=False,
                                   break_on_hyphens=False, drop_whitespace=True))
    return "\n".join(lines)


def implied_preconditions(kb: KnowledgeBase, given: dict[str, float]) -> dict[str, float]:
    """``given`` with the precondition of every given follow-up added as yes, when not given.

    "Hours after the workout" means there was a workout: asking about it could only contradict.
    """
    out = {fid: x for fid, x in given.items() if x == x}
    for fid in list(out):
        for parent, wanted in kb.findings[fid].requires.items():
            out.setdefault(parent, 1.0 if wanted else 0.0)
    return out
