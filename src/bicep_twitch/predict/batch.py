"""Many cases at once: the tree walked over numpy arrays, results built only when looked at.

Used by :meth:`Predictor.predict_many <bicep_twitch.predict.predictor.Predictor.predict_many>`,
which hands itself in (the ``predictor`` arguments below): this module does not import the
predictor's. It imports numpy (and pandas for tables), which the one-case path never loads.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Callable, NamedTuple, overload

import numpy as np

from ..core.triage import Triage, triage
from .result import Result

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


TOP = 3  # causes written as columns of their own in the batch table


class TreeArrays(NamedTuple):
    """The tree as numpy arrays; ``values`` has one column per knowledge-base cause."""

    children_left: np.ndarray
    children_right: np.ndarray
    feature: np.ndarray
    cut: np.ndarray
    missing_go_to_left: np.ndarray
    values: np.ndarray


def tree_arrays(predictor: Any) -> TreeArrays:
    """The predictor's tree as :class:`TreeArrays`, built once and kept on the predictor."""
    if predictor.arrays is None:
        t = predictor.tree
        values = np.zeros((t.node_count, len(predictor.kb.causes)))
        raw = np.asarray(t.value, dtype=np.float64)
        for k, (_, j) in enumerate(predictor.cause_columns):
            if j is not None:
                values[:, k] = raw[:, j]
        values /= values.sum(axis=1, keepdims=True)
        predictor.arrays = TreeArrays(
            np.asarray(t.children_left, dtype=np.intp),
            np.asarray(t.children_right, dtype=np.intp),
            np.asarray([max(f, 0) for f in t.feature], dtype=np.intp),  # leaves hold -2; never read
            np.asarray(t.cut, dtype=np.float64),
            np.asarray(t.missing_go_to_left, dtype=bool),
            values,
        )
    return predictor.arrays


def apply(predictor: Any, X: np.ndarray) -> np.ndarray:
    """The leaf each row of the encoded matrix ``X`` reaches (scikit-learn's ``apply``), vectorised.

    The same rules as :meth:`TreeData.decision_path <bicep_twitch.core.tree.TreeData.decision_path>`,
    one level per pass over the rows still at a split node.
    """
    a = tree_arrays(predictor)
    n = X.shape[0]
    node = np.zeros(n, dtype=np.intp)
    active = np.arange(n)
    while active.size:
        here = node[active]
        x = X[active, a.feature[here]]
        go_left = np.where(np.isnan(x), a.missing_go_to_left[here], x <= a.cut[here])
        nxt = np.where(go_left, a.children_left[here], a.children_right[here])
        node[active] = nxt
        active = active[a.children_left[nxt] != -1]
    return node


def is_dataframe(obj: Any) -> bool:
    # Checked by name so a list of dicts never imports pandas.
    return any(cls.__name__ == "DataFrame" and cls.__module__.startswith("pandas") for cls in type(obj).__mro__)


NAN = float("nan")


class Column(NamedTuple):
    """One column of the batch table (:meth:`Predictions.to_frame`, ``predict --input``).

    Give ``leaf`` when the value depends on the leaf alone (worked out once per leaf, so a
    large batch costs one lookup a row), else ``distinct`` when the column takes few values
    (each then formatted once, not once a row), else ``rows``, computed for a whole block.

    Attributes
    ----------
    name : str
        The column's header.
    leaf : callable or None
        ``(predictor, node) -> value`` for a leaf of the tree.
    rows : callable or None
        ``(predictions) -> array`` with one value per case.
    distinct : callable or None
        ``(predictions) -> (values, inverse)``: the column's distinct values (a list) and, for
        each case, the position of its value among them (an integer array).
    blank : object
        What a row that could not be read holds (``None``, NaN or ``""``; all write as an
        empty cell). ``KEEP`` keeps the column's own value there (the error itself).
    """

    name: str
    leaf: Callable[[Any, int], Any] | None = None
    rows: Callable[["Predictions"], np.ndarray] | None = None
    blank: Any = ""
    distinct: Callable[["Predictions"], tuple[list[Any], np.ndarray]] | None = None


KEEP = object()  # Column.blank: the value stands for rows that could not be read too


def _ranked(k: int, part: int) -> Callable[[Any, int], Any]:
    """The k-th cause of a leaf's ranking (``part`` 0) or its probability (``part`` 1)."""
    def value(p: Any, node: int) -> Any:
        ranked = p.leaf(node).differential
        return ranked[k][part] if k < len(ranked) else (None, NAN)[part]
    return value


def _probability_of(cause: str) -> Callable[[Any, int], float]:
    return lambda p, node: dict(p.leaf(node).differential)[cause]


def batch_columns(kb: Any) -> dict[str, Column]:
    """Every column the batch table can have, by name, in the order they are written.

    The one list of them: a new column is one line here (and its name in ``OPTIONAL_COLUMNS``
    if it should be written only when asked for).
    """
    columns = [
        Column("cause", leaf=lambda p, node: p.leaf(node).cause, blank=None),
        Column("probability", leaf=lambda p, node: p.leaf(node).probability, blank=NAN),
        Column("top_causes", leaf=lambda p, node: "; ".join(f"{c} {q:.3f}" for c, q in p.leaf(node).differential[:3])),
        *(Column(name, distinct=lambda b, k=k: b.triage_distinct(k))
          for k, name in enumerate(("triage", "red_flags", "safety_net", "triage_reasons"))),
        *(Column(f"top{k + 1}{suffix}", leaf=_ranked(k, part), blank=(None, NAN)[part])
          for k in range(TOP) for part, suffix in enumerate(("", "_probability"))),
        *(Column(f"p_{cause}", leaf=_probability_of(cause), blank=NAN) for cause in kb.cause_ids),
        Column("path", rows=lambda b: b.path_column()),
        Column("error", distinct=lambda b: b.error_distinct(), blank=KEEP),
    ]
    return {c.name: c for c in columns}


# Written only when asked for: ``top_causes`` repeats top1..top3 as one text; ``path`` (the explanation
# in words, about 1,600 characters a row) costs most of the time and most of the output.
OPTIONAL_COLUMNS = ("top_causes", "path")
# What to_frame gives by default: a compact summary, one text column for the ranking.
FRAME_COLUMNS = ("cause", "probability", "top_causes", "triage", "red_flags", "safety_net", "triage_reasons", "error")


def default_columns(kb: Any) -> tuple[str, ...]:
    """The columns ``predict --input`` writes when ``--columns`` is not given."""
    return tuple(name for name in batch_columns(kb) if name not in OPTIONAL_COLUMNS)


def check_columns(kb: Any, names: Sequence[str], *, parameter: str = "columns") -> list[Column]:
    """The :class:`Column` of each name, in the order given.

    Raises
    ------
    ValueError
        A name is no column, or given twice; the message lists the allowed names.
    """
    known = batch_columns(kb)
    out = []
    for name in names:
        if name not in known:
            raise ValueError(f"{parameter!r} has no column {name!r} (allowed: {', '.join(known)})")
        if name in names[: len(out)]:
            raise ValueError(f"{parameter!r} names the column {name!r} twice; give each column once")
        out.append(known[name])
    return out


class Predictions(Sequence):
    """The results of :meth:`Predictor.predict_many`: a sequence of :class:`Result`, built on access.

    Attributes
    ----------
    leaves : numpy.ndarray
        The leaf each case reached (meaningless for rows with an error).
    errors : dict
        Row position -> error message, for the cases that could not be read.
    """

    def __init__(self, predictor: Any, X: "np.ndarray", leaves: "np.ndarray", errors: dict[int, str]):
        self.predictor = predictor
        self.X = X
        self.leaves = leaves
        self.errors = dict(errors)
        self._distinct: tuple[list[int], np.ndarray] | None = None
        self._triage: tuple[list[list[str]], np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self.leaves)

    @overload
    def __getitem__(self, i: int) -> Result: ...

    @overload
    def __getitem__(self, i: slice) -> list[Result]: ...

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        n = len(self)
        k = i + n if i < 0 else i
        if not 0 <= k < n:
            raise IndexError(f"prediction index {i} out of range for {n} cases")
        if k in self.errors:
            return self.predictor.error_result(self.errors[k])
        row = self.X[k].tolist()
        return self.predictor.result_of(row, self.predictor.tree.decision_path(row))

    @property
    def probabilities(self) -> "np.ndarray":
        """(n cases, n causes) probabilities in knowledge-base cause order; NaN rows for errors."""
        proba = tree_arrays(self.predictor).values[self.leaves]
        if self.errors:
            proba[self._bad()] = np.nan
        return proba

    @property
    def causes(self) -> "np.ndarray":
        """The most likely cause id of each case (``None`` for rows with an error)."""
        return self.column("cause")

    def distinct_leaves(self) -> tuple[list[int], "np.ndarray"]:
        """The distinct leaves reached, and for each case the position of its leaf among them."""
        if self._distinct is None:
            unique, inverse = np.unique(self.leaves, return_inverse=True)
            self._distinct = unique.tolist(), inverse.reshape(-1)
        return self._distinct

    def _bad(self) -> "np.ndarray":
        return np.fromiter(self.errors, dtype=np.intp, count=len(self.errors))

    def column(self, column: "Column | str") -> "np.ndarray":
        """One column of the table (a :class:`Column` or its name): one value per case, in order."""
        if isinstance(column, str):
            column = check_columns(self.predictor.kb, [column])[0]
        if column.leaf is not None:
            nodes, inverse = self.distinct_leaves()
            values = [column.leaf(self.predictor, node) for node in nodes]
            kind = np.float64 if all(type(v) is float for v in values) and values else object
            out = np.asarray(values, dtype=kind)[inverse] if values else np.empty(0, dtype=kind)
        elif column.distinct is not None:
            values, inverse = column.distinct(self)
            out = np.asarray(values, dtype=object)[inverse]
        else:
            out = column.rows(self)
        if self.errors and column.blank is not KEEP:
            out = out.astype(object) if out.dtype != object and not isinstance(column.blank, float) else out
            out[self._bad()] = column.blank
        return out

    def distinct_column(self, column: Column) -> tuple[list[Any], "np.ndarray"]:
        """A column not fixed by the leaf as its distinct values and each case's position among
        them (a row that could not be read holds the column's blank): what the CSV formats."""
        if column.distinct is not None:
            values, inverse = column.distinct(self)
        else:
            cells = column.rows(self).tolist()
            # Each distinct value's position, in the order first met (dict.fromkeys keeps it).
            position = {value: k for k, value in enumerate(dict.fromkeys(cells))}
            values = list(position)
            inverse = np.fromiter(map(position.__getitem__, cells), dtype=np.intp, count=len(cells))
        if self.errors and column.blank is not KEEP:
            inverse = inverse.copy()
            inverse[self._bad()] = len(values)
            values = [*values, column.blank]
        return values, inverse

    def triage(self) -> Triage:
        """The knowledge base's triage rules applied to every case at once (bool columns)."""
        p = self.predictor
        cause = self.column("cause")
        proba = self.probabilities
        cause_column = {c: k for k, c in enumerate(p.kb.cause_ids)}
        finding_column = {fid: j for j, fid in enumerate(p.kb.finding_ids)}
        with np.errstate(invalid="ignore"):  # NaN (unknown) raises no flag
            return triage(p.kb, is_top=lambda c: cause == c, probability=lambda c: proba[:, cause_column[c]],
                          answer=lambda fid: self.X[:, finding_column[fid]])

    def triage_distinct(self, k: int) -> tuple[list[str], "np.ndarray"]:
        """Triage column ``k`` as its distinct values and each case's position among them: the level,
        the red flags (joined by ";"), the safety net, and the reasons (each rule that fired as
        "rule (level, how soon)", the most urgent first, joined by "; ")."""
        columns, inverse = self._triage_distinct()
        return list(columns[k]), inverse

    def _triage_distinct(self) -> tuple[list[list[str]], "np.ndarray"]:
        # Worked out once per distinct set of fired rules (as triage() gives them for that case),
        # and kept for the other columns.
        if self._triage is None:
            told = self.triage()
            n = len(self)
            fired = [told.doctor_cause_first | told.doctor_causes_likely] + [f for _, f in told.flags]
            code = np.zeros(n, dtype=np.int64)
            for k, f in enumerate(fired):
                code |= np.broadcast_to(np.asarray(f, dtype=np.int64), (n,)) << k
            unique, first, inverse = np.unique(code, return_index=True, return_inverse=True)
            columns: list[list[str]] = [[], [], [], []]
            for k in first.tolist():
                one = told.case(k)
                for column, value in zip(columns, (one.level, ";".join(one.red_flags), one.safety_net,
                                                   "; ".join(f"{r.rule} ({r.level}, {r.how_soon})" for r in one.reasons))):
                    column.append(value)
            self._triage = columns, inverse.reshape(-1)
        return self._triage

    def path_column(self) -> "np.ndarray":
        """Each case's explanation: the path's sentences joined by ``"; "`` (slow: one walk a case)."""
        tree, explainer = self.predictor.tree, self.predictor.explainer
        path = np.full(len(self), "", dtype=object)
        for k in range(len(self)):
            if k not in self.errors:
                row = self.X[k].tolist()
                path[k] = "; ".join(s.text for s in explainer.steps(row, tree.decision_path(row)))
        return path

    def error_distinct(self) -> tuple[list[str], "np.ndarray"]:
        """Each case's error message (empty for the cases that were read) as the distinct values
        (``""`` first, then each message) and each case's position among them."""
        inverse = np.zeros(len(self), dtype=np.intp)
        inverse[self._bad()] = np.arange(1, len(self.errors) + 1)
        return ["", *self.errors.values()], inverse

    def to_frame(self, *, columns: Sequence[str] | None = None, explain: bool = False) -> "pd.DataFrame":
        """One row per case, in order; by default cause, probability, top_causes, triage, red_flags, error.

        Parameters
        ----------
        columns : sequence of str, optional
            The columns, in order, from those of :func:`batch_columns`: ``cause``, ``probability``,
            ``top_causes`` ("cause 0.620; cause 0.200; cause 0.090"), ``triage``, ``red_flags`` (finding
            ids joined by ";"), ``top1`` .. ``top3`` and ``top1_probability`` .., ``p_<cause id>``,
            ``path`` (the explanation's sentences joined by "; ") and ``error`` (empty for good
            rows). A row that could not be read has only its ``error``.
        explain : bool, default False
            Add ``path`` (before ``error``). It walks every case's explanation, which takes
            about 25 times as long as the rest of the table.

        Raises
        ------
        ValueError
            A column name is unknown (the message lists the allowed ones) or given twice.
        """
        import pandas as pd

        names = list(FRAME_COLUMNS if columns is None else columns)
        if explain and "path" not in names:
            names.insert(names.index("error") if "error" in names else len(names), "path")
        chosen = check_columns(self.predictor.kb, names)
        return pd.DataFrame({c.name: self.column(c) for c in chosen}, index=range(len(self)))

    def to_table(self, passthrough: Mapping[str, Sequence[str]] | None = None, *,
                 columns: Sequence[str] | None = None) -> "pd.DataFrame":
        """The batch CSV as a DataFrame: the ``passthrough`` columns as given (e.g. ``id``), then
        ``columns`` (default: :func:`default_columns`, every column but ``top_causes`` and ``path``).

        Raises
        ------
        ValueError
            A passthrough column has the name of an output column or not one cell per case, or
            a column name is unknown.
        """
        import pandas as pd

        n = len(self)
        chosen = check_columns(self.predictor.kb, list(default_columns(self.predictor.kb) if columns is None
                                                       else columns))
        out: dict[str, Any] = dict(check_passthrough(passthrough or {}, chosen, n))
        out.update((c.name, self.column(c)) for c in chosen)
        return pd.DataFrame(out, index=range(n))

    def __repr__(self) -> str:
        return f"Predictions({len(self)} cases, {len(self.errors)} with errors)"


def check_passthrough(passthrough: Mapping[str, Sequence[str]], columns: Sequence[Column],
                      n: int | None = None) -> Mapping[str, Sequence[str]]:
    """Check that passed-through columns clash with no output column and have ``n`` cells each."""
    clash = sorted(set(passthrough) & {c.name for c in columns})
    if clash:
        raise ValueError(f"the input column {clash[0]!r} has the name of an output column; rename it in the input")
    for name, cells in passthrough.items():
        if n is not None and len(cells) != n:
            raise ValueError(f"passthrough column {name!r} has {len(cells)} cells for {n} cases")
    return passthrough


def csv_cell(value: Any) -> str:
    """A value as one CSV cell: empty for ``None`` and NaN, floats exactly (``repr``), quoted when needed.

    Examples
    --------
    >>> [csv_cell(v) for v in (None, float("nan"), 0.25, "a,b", 'x "y" z', "plain")]
    ['', '', '0.25', '"a,b"', '"x ""y"" z"', 'plain']
    """
    if value is None:
        return ""
    if type(value) is float:
        return "" if value != value else repr(value)
    text = str(value)
    if _QUOTE.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


class CsvWriter:
    """The batch CSV as text, a block of predictions at a time (``predict --input`` streams with it).

    Runs of columns fixed by the leaf are formatted once per leaf and kept for the next
    blocks; the other columns are formatted once per distinct value of the block; output
    columns side by side are joined once per distinct combination, so a row costs one piece
    per passthrough column and one for each run of output columns.

    Parameters
    ----------
    kb
        The knowledge base (for the column list).
    columns : sequence of str
        The output columns, in order (see :func:`batch_columns`); a ``passthrough`` column named
        here is written at that place.
    passthrough : sequence of str
        The input columns copied unread (e.g. ``id``); those not in ``columns`` come first.

    Raises
    ------
    ValueError
        A column is unknown or given twice, or a passthrough column has an output column's name.
    """

    def __init__(self, kb: Any, *, columns: Sequence[str], passthrough: Sequence[str] = ()):
        passed = list(passthrough)
        named = list(columns)
        outputs = batch_columns(kb)
        check_passthrough(dict.fromkeys(passed, ()), [outputs[name] for name in named if name in outputs])
        chosen = check_columns(kb, [name for name in named if name not in passed])
        if len(set(named)) != len(named):
            twice = next(name for name in named if named.count(name) > 1)
            raise ValueError(f"'columns' names the column {twice!r} twice; give each column once")
        known = {c.name: c for c in chosen}
        # Each group is one input column (a str), or a run of output columns fixed by the leaf
        # (one text per leaf for all of them), or one other output column.
        self.groups: list[str | list[Column]] = [name for name in passed if name not in named]
        for name in named:
            c = known.get(name)
            if c is None:
                self.groups.append(name)
            elif self.groups and c.leaf is not None and isinstance(self.groups[-1], list) and self.groups[-1][-1].leaf:
                self.groups[-1].append(c)
            else:
                self.groups.append([c])
        self.names = [name for name in passed if name not in named] + named
        self._leaf_text: list[dict[int, str]] = [{} for _ in self.groups]

    def header(self) -> str:
        return ",".join(csv_cell(name) for name in self.names) + "\n"

    def text(self, predictions: Predictions, passthrough: Mapping[str, Sequence[str]] | None = None) -> str:
        """The rows of one block, each ending with a newline (no header)."""
        n = len(predictions)
        if n == 0:
            return ""
        cells = passthrough or {}
        lone = len(self.names) == 1  # a lone empty cell must not read as a blank line
        # A row is a sequence of slots: a passthrough column's own cells (a list), or a run of
        # output columns and separators between passthrough columns (a tuple of parts: texts,
        # or a column's distinct texts and each row's position among them). Each run is joined
        # once per distinct combination of its columns' values, so a row costs one piece a slot,
        # not one a cell.
        slots: list[Any] = []
        for k, (group, known) in enumerate(zip(self.groups, self._leaf_text)):
            if k:
                _add_part(slots, ",")
            if isinstance(group, str):
                formatted = _formatted(cells[group], n, group)
                slots.append([cell or '""' for cell in formatted] if lone else formatted)
            else:
                texts, inverse = self._distinct_texts(group, known, predictions)
                _add_part(slots, ([text or '""' for text in texts] if lone else texts, inverse))
        _add_part(slots, "\n")
        pieces: list[str] = [""] * (n * len(slots))
        for k, slot in enumerate(slots):
            pieces[k::len(slots)] = slot if isinstance(slot, list) else _run_texts(slot, n)
        return "".join(pieces)

    def _distinct_texts(self, group: list[Column], known: dict[int, str],
                        predictions: Predictions) -> tuple[list[str], np.ndarray]:
        """The CSV text of a group of output columns: its distinct texts, each row's position among them."""
        if group[0].leaf is None:  # one column computed for the block
            values, inverse = predictions.distinct_column(group[0])
            return [csv_cell(value) for value in values], inverse
        nodes, inverse = predictions.distinct_leaves()
        for node in nodes:
            if node not in known:  # kept for the next blocks
                known[node] = ",".join(csv_cell(c.leaf(predictions.predictor, node)) for c in group)
        texts = [known[node] for node in nodes]
        if predictions.errors:  # a row that could not be read has only its error
            inverse = inverse.copy()
            inverse[predictions._bad()] = len(texts)
            texts.append("," * (len(group) - 1))
        return texts, inverse


def _add_part(slots: list[Any], part: Any) -> None:
    """Add a part (a text, or distinct texts and positions) to the run of output columns that ends ``slots``."""
    if slots and isinstance(slots[-1], tuple):
        slots[-1] += (part,)
    else:
        slots.append((part,))


def _run_texts(parts: tuple[Any, ...], n: int) -> list[str]:
    """A run of output columns and separators as one text a row, each distinct combination joined once."""
    # The columns' positions, once each: the triage columns share theirs, so do runs of the leaf's,
    # and a column of one value (no errors in the error column) is a constant.
    arrays: list[tuple[np.ndarray, int]] = []
    for part in parts:
        if not isinstance(part, str) and len(part[0]) > 1 and all(part[1] is not a for a, _ in arrays):
            arrays.append((part[1], len(part[0])))
    code, bound = np.zeros(n, dtype=np.int64), 1
    for positions, size in arrays:
        if bound * size >= 1 << 62:  # renumber the combinations met so far before the codes overflow
            code = np.unique(code, return_inverse=True)[1].reshape(-1)
            bound = n
        code, bound = code * size + positions, bound * size
    _, first, inverse = np.unique(code, return_index=True, return_inverse=True)
    columns = [[part] * len(first) if isinstance(part, str) else
               np.asarray(part[0], dtype=object)[part[1][first]].tolist() for part in parts]
    return np.asarray(list(map("".join, zip(*columns))), dtype=object)[inverse.reshape(-1)].tolist()


class _Texts(dict):
    """Value -> its CSV cell, each distinct value formatted once, when first met."""

    def __missing__(self, value: Any) -> str:
        text = self[value] = csv_cell(value)
        return text


_NEEDS_QUOTES = (",", '"', "\n", "\r")
_QUOTE = re.compile("[" + "".join(_NEEDS_QUOTES) + "]")  # one search, not one test a character


def _formatted(values: Sequence[Any], n: int, name: str) -> list[str]:
    """The cells of a column as CSV text."""
    if len(values) != n:
        raise ValueError(f"passthrough column {name!r} has {len(values)} cells for {n} cases")
    values = values.tolist() if isinstance(values, np.ndarray) else list(values)
    if set(map(type, values)) == {str}:
        joined = "\x00".join(values)
        if not _QUOTE.search(joined):  # the usual case: every text is its cell
            return values
    return list(map(_Texts().__getitem__, values))


def predict_encoded_many(predictor: Any, X: np.ndarray, errors: Mapping[int, str]) -> Predictions:
    """The predictions of an encoded matrix ``X`` whose bad rows (all NaN) are named in ``errors``."""
    return Predictions(predictor, X, apply(predictor, X), dict(errors))


__all__ = [
    "Predictions", "TreeArrays", "Column", "CsvWriter", "apply", "tree_arrays", "is_dataframe", "predict_encoded_many",
    "batch_columns", "default_columns", "check_columns", "csv_cell", "TOP", "KEEP", "OPTIONAL_COLUMNS", "FRAME_COLUMNS",
]
