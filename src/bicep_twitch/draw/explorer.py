"""The explorer: one self-contained HTML page to browse the whole tree and answer its questions.

The page carries everything it shows: the plain-data tree, the knowledge base's words, the
questionnaire's rules, the triage rules and the knowledge base's likelihood tables (for the
result's reasons and open questions), as one JSON object inside the HTML, beside the
script and style (package data in ``explorer/``). It needs no server and loads nothing.

The tree goes in as parallel arrays, not one object per node, so a tree of thousands of leaves
stays small. A leaf's probabilities are written exactly (``repr`` round-trips, and JavaScript
reads the same doubles), so the page's ``predict`` gives Python's numbers; the probabilities of
inner nodes only label the explorer and are rounded. Words that would repeat on every node
(the branch labels) are written once each and referenced by index.

Pure Python: reads the plain-data tree and the knowledge base, never scikit-learn.
"""

from __future__ import annotations

import json
import math
from importlib import resources
from pathlib import Path
from typing import Any

from .._io import ensure_writable_dir, write_output
from ..core.knowledge import CHOICE, YES_NO, KnowledgeBase, load_knowledge
from ..core.likelihood import kb_model
from ..core.model_folder import check_tree_matches, read_model_tree
from ..core.tree import LEAF, TreeData
from ..core.triage import DOCTOR_CAUSE_REASON, flag_rules, is_doctor_cause, screening_findings
from ..core.words import edge_words
from .scene import short_label
from .style import cause_colour

EXPLORER_NAME = "explorer.html"
DATA_FORMAT_VERSION = 1
# Inner nodes only label the explorer: four decimals show every percentage right.
DISPLAY_DECIMALS = 4


def questionnaire_rules(kb: KnowledgeBase) -> dict[str, Any]:
    """The rules the page's questionnaire follows besides the tree walk itself.

    ``screen``: finding ids asked after the walk reaches a leaf, in order, unless already asked:
    every red flag and medicine of the knowledge base's triage rules, as ``ask``'s safety screen.
    Follow-ups (``requires``) travel with each finding; the walk rules are those of
    :func:`bicep_twitch.predict.ask.walk_tree`.
    """
    return {"screen": list(screening_findings(kb))}


def triage_rules(kb: KnowledgeBase) -> dict[str, Any]:
    """The triage rules of :mod:`bicep_twitch.core.triage` as data the page applies the same way."""
    return {
        "doctor_causes": list(kb.see_doctor_causes),
        "doctor_reason": DOCTOR_CAUSE_REASON,
        "doctor_threshold": kb.doctor_threshold,
        "doctor_threshold_text": kb.doctor_threshold_text,
        "red_flags": [
            {"finding": f.finding, "rule": f.rule, "value": f.value, "text": f.text} for f in flag_rules(kb)
        ],
        "medicines": [f.finding for f in kb.medicine_flags],
        "medicine_cause": kb.medicine_cause,
        "medicine_advice": kb.medicine_advice,
    }


def _finding_words(kb: KnowledgeBase) -> list[dict[str, Any]]:
    out = []
    for f in kb.findings.values():
        entry: dict[str, Any] = {"id": f.id, "type": f.type, "name": f.name, "question": f.question}
        if f.requires:
            entry["requires"] = dict(f.requires)
        if f.type == YES_NO:
            entry.update(yes=f.yes, no=f.no)
        elif f.type == CHOICE:
            entry.update(choices=list(f.choices), choice_text=dict(f.choice_text))
        else:
            entry.update(min=f.min, max=f.max, step=f.step, unit=f.unit, describe=f.describe)
        out.append(entry)
    return out


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


def explorer_data(tree: TreeData, kb: KnowledgeBase) -> dict[str, Any]:
    """Everything the page needs, as one JSON-serialisable object.

    Parameters
    ----------
    tree : TreeData
        The plain-data tree.
    kb : KnowledgeBase
        Its words, the questionnaire's and the triage's rules.

    Returns
    -------
    dict
        ``tree`` (parallel arrays; ``value`` exact at leaves, rounded elsewhere; ``edge_left`` and
        ``edge_right`` index ``words``), ``findings``, ``causes``, ``ask`` and ``triage`` rules,
        ``likelihood`` (:func:`likelihood_tables`), ``disclaimer`` and ``summary``.

    Examples
    --------
    >>> from bicep_twitch import Predictor
    >>> p = Predictor.load()
    >>> data = explorer_data(p.tree, p.kb)
    >>> leaf = p.tree.leaves()[0]
    >>> data["tree"]["value"][leaf] == list(p.tree.value[leaf])
    True
    """
    check_tree_matches(tree, kb, "this explorer")
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
    return {
        "format_version": DATA_FORMAT_VERSION,
        "tree": {
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
        },
        "words": list(words),
        "findings": _finding_words(kb),
        "causes": [
            {"id": c.id, "label": c.label, "short": short_label(c.label), "advice": c.advice,
             "colour": cause_colour(c.id), "doctor": is_doctor_cause(kb, c.id)}
            for c in kb.causes.values()
        ],
        "ask": questionnaire_rules(kb),
        "triage": triage_rules(kb),
        "likelihood": likelihood_tables(kb),
        "disclaimer": kb.disclaimer,
        "summary": {"nodes": tree.node_count, "leaves": len(tree.leaves()), "depth": tree.depth()},
    }


def _template(name: str) -> str:
    return resources.files(__package__).joinpath("explorer", name).read_text(encoding="utf-8")


def _script_json(data: Any) -> str:
    """JSON safe inside ``<script>``: no ``</script>`` or ``<!--`` can end or bend the element."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False).replace("<", "\\u003c")


def explorer_html(tree: TreeData, kb: KnowledgeBase) -> str:
    """The whole page as one string: style, script and data inline.

    Examples
    --------
    >>> from bicep_twitch import Predictor
    >>> p = Predictor.load()
    >>> html = explorer_html(p.tree, p.kb)
    >>> html.startswith("<!doctype html>") and "http" not in html.split("<body", 1)[0].replace("http-equiv", "")
    True
    """
    page = _template("page.html")
    for marker, text in (
        ("/*STYLE*/", _template("explorer.css")),
        ("/*SCRIPT*/", _template("explorer.js")),
        ("/*DATA*/", _script_json(explorer_data(tree, kb))),
    ):
        if page.count(marker) != 1:
            raise RuntimeError(f"the explorer template must hold {marker} once (found {page.count(marker)})")
        before, after = page.split(marker)
        page = before + text + after  # not str.replace: the inserted text is never searched again
    return page


def write_explorer(model: Any, out: str | Path) -> Path:
    """Write the explorer page for ``model`` (anything with ``tree`` and ``kb``, e.g. a Predictor).

    Parameters
    ----------
    model : Predictor or TreeAndWords
        The tree and the knowledge base it speaks.
    out : str or Path
        The HTML file to write (its folder is created); replaced only once fully written.

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    ValueError
        ``out`` does not end in ``.html``.
    PermissionError
        ``out``'s folder cannot be written.
    """
    out = Path(out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"'out' must be a file name ending in .html (got {str(out)!r})")
    ensure_writable_dir(out.parent, parameter="out")
    html = explorer_html(model.tree, model.kb)
    write_output(out, html.encode("utf-8"))  # the one rule for outputs: a symlink is followed, not replaced
    return out


def write_model_explorer(model_dir: str | Path) -> Path:
    """Write ``explorer.html`` beside a trained model (what ``train`` does after the pictures)."""
    from .files import TreeAndWords

    model_dir = Path(model_dir)
    tree, _, _ = read_model_tree(model_dir)
    return write_explorer(TreeAndWords(tree, load_knowledge()), model_dir / EXPLORER_NAME)


__all__ = ["explorer_data", "explorer_html", "write_explorer", "write_model_explorer", "questionnaire_rules",
           "triage_rules", "likelihood_tables", "EXPLORER_NAME"]
