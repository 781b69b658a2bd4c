"""The explorer: one self-contained HTML page to browse the whole tree and answer its questions.

The page carries everything it shows: the compiled spec (:mod:`bicep_twitch.core.spec`: the
plain-data tree, the knowledge base's words, the questionnaire's and the triage's rules and the
likelihood tables) with each cause's colour, as one JSON object inside the HTML, beside the
script and style (package data in ``explorer/``). It needs no server and loads nothing. The
script is two files: ``logic.js`` (walking and summing, no DOM, also run under Node by the
golden-case test) and ``explorer.js`` (drawing).

The tree goes in as parallel arrays, not one object per node, so a tree of thousands of leaves
stays small. A leaf's probabilities are written exactly (``repr`` round-trips, and JavaScript
reads the same doubles), so the page's ``predict`` gives Python's numbers; the probabilities of
inner nodes only label the explorer and are rounded. Words that would repeat on every node
(the branch labels) are written once each and referenced by index.

Pure Python: reads the plain-data tree and the knowledge base, never scikit-learn.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from .._io import ensure_writable_dir, write_output
from ..core.knowledge import KnowledgeBase, load_knowledge
from ..core.model_folder import read_model_tree
from ..core.describe import reader_data
from ..core.spec import compile_spec
from ..core.tree import TreeData
from .scene import short_label
from .style import cause_colour

EXPLORER_NAME = "explorer.html"
# The page's script, in the order the page runs them: the logic (no DOM: Node runs it too), then the drawing.
SCRIPTS = ("logic.js", "describe.js", "explorer.js")

def explorer_data(tree: TreeData, kb: KnowledgeBase) -> dict[str, Any]:
    """Everything the page needs, as one JSON-serialisable object: the spec and its colours.

    Parameters
    ----------
    tree : TreeData
        The plain-data tree.
    kb : KnowledgeBase
        Its words, the questionnaire's and the triage's rules.

    Returns
    -------
    dict
        :func:`bicep_twitch.core.spec.compile_spec`, each cause with its ``colour`` and ``short``
        label added for the drawing, and under ``describe`` the free-text reader's data
        (:func:`bicep_twitch.core.describe.reader_data`).

    Examples
    --------
    >>> from bicep_twitch import Predictor
    >>> p = Predictor.load()
    >>> data = explorer_data(p.tree, p.kb)
    >>> leaf = p.tree.leaves()[0]
    >>> data["tree"]["value"][leaf] == list(p.tree.value[leaf])
    True
    """
    spec = compile_spec(tree, kb)
    # The free-text reader's rules (describe.js reads them as core/describe.py does), beside the spec.
    spec["describe"] = reader_data(kb)
    for cause in spec["causes"]:
        cause.update(short=short_label(cause["label"]), colour=cause_colour(cause["id"]))
    return spec


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
        ("/*SCRIPT*/", "\n".join(_template(name) for name in SCRIPTS)),
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


__all__ = ["explorer_data", "explorer_html", "write_explorer", "write_model_explorer", "EXPLORER_NAME"]
