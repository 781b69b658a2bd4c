"""The explanation: a case's way through the tree, told in the finding's own words.

Each decision on the path becomes a :class:`Step`: one sentence a person can read
("drinks 7 cups of coffee or the like a day: more than 4 cups a day") and, beside it, the structured
fields a program reads (finding, value, operator, threshold, branch). The words come from the
knowledge base (``describe``, ``yes``/``no``, ``choice_text``, ``name``, ``unit``), never from
encoded column names.

Which way a step went is read from the child the walk actually took, never by comparing the
value with a rounded threshold again: a value close to a threshold is shown the way the tree
really sent it.

Pure Python, like the predictor: nothing here imports numpy, pandas or scikit-learn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

from ..core.cases import decode_value
from ..core.knowledge import NUMBER, Finding, KnowledgeBase
from ..core.tree import TreeData
from ..core.words import answer_clause, branch_words, threshold_words

LEFT, RIGHT = "left", "right"
# Operators in the structured fields: a known number compares with the threshold; a yes/no or
# choice answer is matched; an unknown finding followed the branch learned for missing values.
LE, GT, IS, UNKNOWN = "<=", ">", "is", "unknown"
# scikit-learn may split answered from unanswered cases (threshold +inf, missing values right).
ANSWERED, NOT_ANSWERED = "answered", "not answered"


@dataclass(frozen=True)
class Step:
    """One decision on the path: the sentence and its structured fields.

    Attributes
    ----------
    node : int
        The split node's id in the tree.
    finding : str
        The finding tested, by its contract id.
    value : bool, str, int, float or None
        The user's answer in contract form; ``None`` when it was unknown.
    operator : str
        ``"<="`` or ``">"`` for a known number, ``"is"`` for a yes/no or choice answer,
        ``"unknown"`` when the finding was not answered, ``"answered"`` at a split that only
        separates answered from unanswered cases.
    threshold : float or None
        The split threshold for a number finding; ``None`` for yes/no and choice findings and
        for answered-or-not splits.
    branch : str
        ``"left"`` or ``"right"``: the child the walk took.
    condition : str
        The branch taken, in words (:func:`~bicep_twitch.core.words.branch_words`):
        "more than 4 cups a day", "yes", "twitch".
    text : str
        The whole step as a sentence.
    """

    node: int
    finding: str
    value: Any
    operator: str
    threshold: float | None
    branch: str
    condition: str
    text: str

    def __str__(self) -> str:
        return self.text

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "finding": self.finding,
            "value": self.value,
            "operator": self.operator,
            "threshold": self.threshold,
            "branch": self.branch,
            "condition": self.condition,
            "node": self.node,
        }


class Explainer:
    """Turns a tree path into :class:`Step` sentences for one tree and knowledge base.

    The words for each split node (its finding and the condition on each side) are worked out
    the first time the node is met and kept, so a warm explanation only fills in the values.

    Examples
    --------
    >>> from bicep_twitch import Predictor
    >>> predictor = Predictor.load()
    >>> explainer = Explainer(predictor.tree, predictor.kb)
    >>> row = [float("nan")] * len(predictor.tree.features)
    >>> steps = explainer.steps(row, predictor.tree.decision_path(row))
    >>> all(s.operator == "unknown" for s in steps)
    True
    """

    def __init__(self, tree: TreeData, kb: KnowledgeBase):
        self.tree = tree
        self.kb = kb
        self._findings = [kb.findings[name] for name in tree.features]
        self._nodes: dict[int, tuple[Finding, str, str]] = {}

    def _node(self, node: int) -> tuple[Finding, str, str]:
        """(finding, condition words for the left side, for the right side) of a split node."""
        info = self._nodes.get(node)
        if info is None:
            f = self._findings[self.tree.feature[node]]
            t = self.tree.threshold[node]
            if math.isinf(t):
                # scikit-learn's split of answered (left) from not answered (right).
                info = (f, ANSWERED, NOT_ANSWERED)
            else:
                info = (f, *branch_words(f, self.tree.cut[node]))
            self._nodes[node] = info
        return info

    def step(self, node: int, child: int, code: float) -> Step:
        """The step at split ``node`` for encoded value ``code``, the walk having gone to ``child``."""
        f, left_words, right_words = self._node(node)
        went_left = child == self.tree.children_left[node]
        branch, condition = (LEFT, left_words) if went_left else (RIGHT, right_words)
        threshold = self.tree.threshold[node] if f.type == NUMBER else None
        if left_words == ANSWERED:
            return self._answered_step(node, f, code, branch, condition)
        if code != code:  # NaN: not answered
            answer = f"the answer {condition}" if f.type != NUMBER else condition
            text = f"{f.name} was not answered, so the tree went on as for {answer}"
            return Step(node, f.id, None, UNKNOWN, threshold, branch, condition, text)
        value = decode_value(f, code)
        said = self._said(f, code, value)
        if f.type == NUMBER:
            return Step(node, f.id, value, LE if went_left else GT, threshold, branch, condition, f"{said}: {condition}")
        return Step(node, f.id, value, IS, None, branch, condition, said)

    def _answered_step(self, node: int, f: Finding, code: float, branch: str, condition: str) -> Step:
        """A step at a split that only separates answered from unanswered cases."""
        if code != code:
            text = f"{f.name} was not answered, and the tree treats unanswered cases on their own here"
            return Step(node, f.id, None, UNKNOWN, None, branch, condition, text)
        value = decode_value(f, code)
        text = f"{self._said(f, code, value)}; here the tree only checks that it was answered"
        return Step(node, f.id, value, ANSWERED, None, branch, condition, text)

    @staticmethod
    def _said(f: Finding, code: float, value: Any) -> str:
        """A known answer as a clause: "drinks 7 cups ...", "the arm is weaker than usual"."""
        return answer_clause(f, value)

    def steps(self, row: Sequence[float], path: Sequence[int]) -> tuple[Step, ...]:
        """One :class:`Step` per decision on ``path`` (root first) for the encoded ``row``."""
        feature = self.tree.feature
        return tuple(self.step(path[i], path[i + 1], row[feature[path[i]]]) for i in range(len(path) - 1))


def summarize(steps: Sequence[Step], kb: KnowledgeBase) -> tuple[str, ...]:
    """One line per finding on the path, repeated splits on a number merged into one range.

    A number tested three times (more than 4.5, at most 10.5, more than 6.5) becomes
    "drinks 7 cups of coffee or the like a day: more than 6 and up to 10 cups a day".

    Examples
    --------
    >>> from bicep_twitch.core.knowledge import load_knowledge
    >>> kb = load_knowledge()
    >>> s = [Step(0, "stress_level", 8, ">", 5.5, "right", "", ""),
    ...      Step(2, "stress_level", 8, "<=", 9.5, "left", "", "")]
    >>> summarize(s, kb)
    ('rates stress 8 out of 10: more than 5 and up to 9 out of 10',)
    """
    order: dict[str, list[Step]] = {}
    for s in steps:
        order.setdefault(s.finding, []).append(s)
    lines = []
    for fid, group in order.items():
        f = kb.findings[fid]
        first = group[0]
        if f.type == NUMBER:
            ranged = [s for s in group if s.threshold is not None]
            lows = [s.threshold for s in ranged if s.branch == RIGHT]
            highs = [s.threshold for s in ranged if s.branch == LEFT]
            words = threshold_words(f, max(lows) if lows else None, min(highs) if highs else None)
            if first.value is None:
                lines.append(f"{f.name} was not answered" + (f"; the tree went on as for {words}" if ranged else ""))
            else:
                said = answer_clause(f, first.value)
                lines.append(f"{said}: {words}" if ranged else said)
        elif first.value is None:
            # An unknown answer may be sent different ways at different nodes; say each once.
            seen = list(dict.fromkeys(s.condition for s in group if s.operator == UNKNOWN and s.condition != NOT_ANSWERED))
            went = f"; the tree went on as for the answer {' then '.join(seen)}" if seen else ""
            lines.append(f"{f.name} was not answered{went}")
        else:
            lines.append(Explainer._said(f, 0.0, first.value))
    return tuple(lines)


__all__ = ["Step", "Explainer", "summarize"]
