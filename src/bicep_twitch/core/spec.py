"""The knowledge base and the tree compiled once into plain data that every runtime reads.

Python applies the knowledge base through its own modules; the page (``draw/explorer``) cannot
import them, so it reads this spec instead: each finding with its kind's words and limits, the
likelihood tables, the triage rules as data (the very ones Python applies: finding, test, value
-> level, how soon, words, source; exceptions; the doctor causes), the questionnaire's screen and follow-up words, the tree as parallel arrays with the
words of every branch, and the limits of the result's text. The page's script only walks, sums
and draws; a rule changed here (or in the knowledge base) reaches it with no change to the
script, and the golden cases (``tests/test_golden.py``) catch any drift between the two.

Pure Python: reads the plain-data tree and the knowledge base, never scikit-learn or numpy.
"""

from __future__ import annotations

import math
from typing import Any

from .cases import kind_of
from .knowledge import Finding, KnowledgeBase
from .likelihood import kb_model
from .model_folder import check_tree_matches
from .tree import LEAF, TreeData
from .triage import emergency_screen, rule_follow_ups, rules_as_data, screening_findings
from .words import edge_words

SPEC_FORMAT_VERSION = 2  # 2: the triage section is rules_as_data (four levels); the emergency screen in ask
# Inner nodes only label the explorer: four decimals show every percentage right.
DISPLAY_DECIMALS = 4
# How much of the reasons and open questions the result's text shows.
TEXT_FOR, TEXT_AGAINST, TEXT_OPEN = 3, 2, 3
# A reason whose odds factor is closer to 1 than this says too little to show in the text.
TEXT_MIN_FACTOR = 1.1
# A change in log-odds this small is rounding, not a reason.
NEGLIGIBLE = 1e-9
# Open questions whose expected changes agree to this many decimals are tied (path order decides).
TIE_DECIMALS = 12


def skip_reason(f: Finding, parent: Finding, wanted: Any, parent_code: float) -> str:
    """Why follow-up ``f`` is not asked: its precondition (a yes/no ``parent``) does not hold.

    Preconditions are yes/no findings wanted as yes; the knowledge base checks it when it loads.
    """
    condition = parent.yes if wanted else parent.no
    given = "you did not know" if math.isnan(parent_code) else "you answered no" if wanted else "you answered yes"
    return f"'{f.name}' applies only if you {condition}, and {given}; counted as unknown"


def finding_spec(kb: KnowledgeBase) -> list[dict[str, Any]]:
    """Every finding as the page takes it: id, kind, question, follow-up, and its kind's words.

    ``allowed`` and ``hint`` are the words of errors and prompts; a follow-up carries the reason
    it is skipped for each state of its precondition (``skip``: ``unknown`` and ``denied``).
    """
    out = []
    for f in kb.findings.values():
        kind = kind_of(f)
        entry: dict[str, Any] = {"id": f.id, "type": f.type, "name": f.name, "question": f.question,
                                 "allowed": kind.allowed(f), "hint": kind.hint_words(f)}
        if f.requires:
            entry["requires"] = dict(f.requires)
            entry["skip"] = {
                parent: {"unknown": skip_reason(f, kb.findings[parent], wanted, math.nan),
                         "denied": skip_reason(f, kb.findings[parent], wanted, 0.0 if wanted else 1.0)}
                for parent, wanted in f.requires.items()
            }
        entry.update(kind.words(f))
        out.append(entry)
    return out


def questionnaire_spec(kb: KnowledgeBase) -> dict[str, Any]:
    """The questionnaire's rules besides the walk, in the order they are asked.

    ``emergency``: the one short question first and its details
    (:func:`bicep_twitch.core.triage.emergency_screen`); ``follow_ups``: the rule follow-ups
    asked right after their precondition's yes; ``screen``: the safety questions after the tree.
    The walk itself is :func:`bicep_twitch.predict.ask.next_step`; the page runs the same rules.
    """
    return {"emergency": emergency_screen(kb), "follow_ups": list(rule_follow_ups(kb)),
            "screen": list(screening_findings(kb))}


def likelihood_tables(kb: KnowledgeBase) -> dict[str, Any]:
    """The knowledge base's exact model as the page's reasons and open questions use it.

    The tables of :class:`bicep_twitch.core.likelihood.KbModel`, written exactly (``repr``
    round-trips), so the page adds the very logarithms Python adds; and for each finding the
    source of every cause's own distribution of it (``null`` where the cause follows the
    background) and the background's source, as the result quotes them.

    Examples
    --------
    >>> from bicep_twitch.core.knowledge import load_knowledge
    >>> t = likelihood_tables(load_knowledge())
    >>> len(t["findings"]["weakness"]["logs"]) == 2 and len(t["log_prior"]) == len(t["causes"])
    True
    """
    model = kb_model(kb)
    findings = {}
    for fid in kb.findings:
        entry: dict[str, Any] = {
            "outcomes": model.outcomes[fid],
            "logs": model.logs[fid],
            "sources": [d.source.text if (d := kb.causes[c].findings.get(fid)) else None for c in model.causes],
            "background": kb.background[fid].source.text,
        }
        if fid in model.bounds:
            entry["bounds"] = model.bounds[fid]
        findings[fid] = entry
    return {"causes": list(model.causes), "log_prior": model.log_prior, "findings": findings}


def _number(x: float) -> float | str:
    # JSON has no infinity; the page reads these strings back as numbers.
    return ("inf" if x > 0 else "-inf") if math.isinf(x) else x


def tree_spec(tree: TreeData, kb: KnowledgeBase) -> tuple[dict[str, Any], list[str]]:
    """The tree as parallel arrays, and the words of its branches (``edge_left``/``edge_right`` index them).

    A leaf's value is exact (``repr`` round-trips, so the page's differential is Python's);
    inner nodes' values only label the explorer and are rounded.
    """
    words: dict[str, int] = {}
    edge_left, edge_right, values, cuts, thresholds = [], [], [], [], []
    for node in range(tree.node_count):
        value = list(tree.value[node])
        if tree.children_left[node] == LEAF:
            edge_left.append(-1)
            edge_right.append(-1)
            values.append(value)
            cuts.append(0)
            thresholds.append(0)
            continue
        f = kb.findings[tree.features[tree.feature[node]]]
        for side, text in zip((edge_left, edge_right), edge_words(f, tree.cut[node], tree.missing_go_to_left[node])):
            side.append(words.setdefault(text, len(words)))
        values.append([round(p, DISPLAY_DECIMALS) if 0 < round(p, DISPLAY_DECIMALS) < 1 else p for p in value])
        cuts.append(_number(tree.cut[node]))
        thresholds.append(_number(tree.threshold[node]))  # the explanation states these, not the cuts
    arrays = {
        "features": list(tree.features),
        "classes": list(tree.classes),
        "left": list(tree.children_left),
        "right": list(tree.children_right),
        "feature": list(tree.feature),
        "cut": cuts,
        "threshold": thresholds,
        "missing_left": [int(b) for b in tree.missing_go_to_left],
        "n": list(tree.n_samples),
        "value": values,
        "edge_left": edge_left,
        "edge_right": edge_right,
    }
    return arrays, list(words)


def compile_spec(tree: TreeData, kb: KnowledgeBase) -> dict[str, Any]:
    """The knowledge base and the tree as one JSON-serialisable object (no drawing in it).

    Returns
    -------
    dict
        ``format_version``, ``tree`` and ``words`` (:func:`tree_spec`), ``findings``
        (:func:`finding_spec`), ``causes`` (id, label, advice, doctor), ``ask``
        (:func:`questionnaire_spec`), ``triage`` (:func:`bicep_twitch.core.triage.rules_as_data`: the
        one representation of the urgency rules, which Python applies too), ``likelihood``
        (:func:`likelihood_tables`), ``limits`` (the result text's), ``disclaimer`` and ``summary``.

    Examples
    --------
    >>> from bicep_twitch import Predictor
    >>> p = Predictor.load()
    >>> spec = compile_spec(p.tree, p.kb)
    >>> leaf = p.tree.leaves()[0]
    >>> spec["tree"]["value"][leaf] == list(p.tree.value[leaf])
    True
    """
    check_tree_matches(tree, kb, "this spec")
    arrays, words = tree_spec(tree, kb)
    triage = rules_as_data(kb)
    return {
        "format_version": SPEC_FORMAT_VERSION,
        "tree": arrays,
        "words": words,
        "findings": finding_spec(kb),
        "causes": [{"id": c.id, "label": c.label, "advice": c.advice, "doctor": c.id in kb.see_doctor_causes}
                   for c in kb.causes.values()],
        "ask": questionnaire_spec(kb),
        "triage": triage,
        "likelihood": likelihood_tables(kb),
        "limits": {"text_for": TEXT_FOR, "text_against": TEXT_AGAINST, "text_open": TEXT_OPEN,
                   "text_min_factor": TEXT_MIN_FACTOR, "negligible": NEGLIGIBLE,
                   "tie_decimals": TIE_DECIMALS},
        "disclaimer": kb.disclaimer,
        "summary": {"nodes": tree.node_count, "leaves": len(tree.leaves()), "depth": tree.depth()},
    }


__all__ = ["compile_spec", "finding_spec", "questionnaire_spec", "likelihood_tables", "tree_spec",
           "skip_reason", "TIE_DECIMALS", "TEXT_FOR", "TEXT_AGAINST", "TEXT_OPEN", "TEXT_MIN_FACTOR", "NEGLIGIBLE"]
