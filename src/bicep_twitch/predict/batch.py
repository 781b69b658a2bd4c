"""Many cases at once: the tree walked over numpy arrays, results built only when looked at.

Used by :meth:`Predictor.predict_many <bicep_twitch.predict.predictor.Predictor.predict_many>`,
which hands itself in (the ``predictor`` arguments below): this module does not import the
predictor's. It imports numpy (and pandas for tables), which the one-case path never loads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, overload

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
            proba[np.fromiter(self.errors, dtype=np.intp)] = np.nan
        return proba

    @property
    def causes(self) -> "np.ndarray":
        """The most likely cause id of each case (``None`` for rows with an error)."""
        return self._leaf_columns()[0]

    def _leaf_columns(self):
        """Per-case cause, probability and top 3 text, computed once per distinct leaf."""
        p = self.predictor
        unique, inverse = np.unique(self.leaves, return_inverse=True)
        cause, prob, top3 = [], [], []
        for node in unique.tolist():
            leaf = p.leaf(node)
            cause.append(leaf.cause)
            prob.append(leaf.probability)
            top3.append("; ".join(f"{c} {q:.3f}" for c, q in leaf.differential[:3]))
        columns = [np.asarray(col, dtype=dtype)[inverse] for col, dtype in
                   ((cause, object), (prob, np.float64), (top3, object))]
        if self.errors:
            bad = np.fromiter(self.errors, dtype=np.intp)
            columns[0][bad], columns[1][bad], columns[2][bad] = None, np.nan, ""
        return columns

    def triage(self) -> Triage:
        """The knowledge base's triage rules applied to every case at once (bool columns)."""
        p = self.predictor
        cause = self._leaf_columns()[0]
        proba = self.probabilities
        cause_column = {c: k for k, c in enumerate(p.kb.cause_ids)}
        finding_column = {fid: j for j, fid in enumerate(p.kb.finding_ids)}
        with np.errstate(invalid="ignore"):  # NaN (unknown) raises no flag
            return triage(p.kb, is_top=lambda c: cause == c, probability=lambda c: proba[:, cause_column[c]],
                          answer=lambda fid: self.X[:, finding_column[fid]])

    def to_frame(self, *, explain: bool = True) -> "pd.DataFrame":
        """One row per case, in order: cause, probability, top3, triage, red_flags, safety_net,
        triage_reasons, path, error.

        ``top3`` reads "cause 0.620; cause 0.200; cause 0.090"; ``red_flags`` is the finding ids
        joined by ";"; ``triage_reasons`` each rule that fired as "rule (level, how soon)", the
        most urgent first, joined by "; "; ``path`` the explanation's sentences joined by "; "
        (left empty when ``explain`` is false, which is much faster); ``error`` is empty for good rows.
        """
        import pandas as pd

        cause, prob, top3 = self._leaf_columns()
        triage_column, red, net, why = self._triage_columns()
        error = np.full(len(self), "", dtype=object)
        path = np.full(len(self), "", dtype=object)
        if explain:
            tree, explainer = self.predictor.tree, self.predictor.explainer
            for k in range(len(self)):
                if k not in self.errors:
                    row = self.X[k].tolist()
                    path[k] = "; ".join(s.text for s in explainer.steps(row, tree.decision_path(row)))
        for k, message in self.errors.items():
            error[k] = message
        return pd.DataFrame(
            {"cause": cause, "probability": prob, "top3": top3, "triage": triage_column, "red_flags": red,
             "safety_net": net, "triage_reasons": why, "path": path, "error": error}
        )

    def _triage_columns(self) -> tuple[np.ndarray, ...]:
        """Per-case triage level, red flags, safety net and reasons, worked out once per distinct set
        of fired rules (as :func:`~bicep_twitch.core.triage.triage` gives them for that case)."""
        told = self.triage()
        n = len(self)
        fired = [told.doctor_cause_first | told.doctor_causes_likely] + [f for _, f in told.flags]
        code = np.zeros(n, dtype=np.int64)
        for k, f in enumerate(fired):
            code |= np.broadcast_to(np.asarray(f, dtype=np.int64), (n,)) << k
        unique, first, inverse = np.unique(code, return_index=True, return_inverse=True)
        columns = [[], [], [], []]
        for k in first.tolist():
            one = told.case(k)
            for column, value in zip(columns, (one.level, ";".join(one.red_flags), one.safety_net,
                                               "; ".join(f"{r.rule} ({r.level}, {r.how_soon})" for r in one.reasons))):
                column.append(value)
        out = tuple(np.asarray(c, dtype=object)[inverse] if n else np.array([], dtype=object) for c in columns)
        for k in self.errors:
            for column in out:
                column[k] = ""
        return out

    def to_table(self, passthrough: Mapping[str, Sequence[str]] | None = None, *, top: int = TOP) -> "pd.DataFrame":
        """The batch CSV: one row per case, in order, every value in a column of its own.

        Columns: the ``passthrough`` columns as given (e.g. ``id``), then ``cause``,
        ``probability``, ``triage``, ``red_flags``, ``safety_net``, ``triage_reasons`` (as in
        :meth:`to_frame`), ``top1`` .. ``top{top}`` with
        ``top1_probability`` .., one ``p_<cause id>`` per knowledge-base cause, ``path`` and
        ``error``. A row with an error has only its passthrough columns and ``error`` filled.

        Raises
        ------
        ValueError
            A passthrough column has the name of an output column, or not one cell per case.
        """
        import pandas as pd

        base = self.to_frame()
        n = len(self)
        out: dict[str, Any] = {}
        for name, cells in (passthrough or {}).items():
            if len(cells) != n:
                raise ValueError(f"passthrough column {name!r} has {len(cells)} cells for {n} cases")
            out[name] = list(cells)
        unique, inverse = np.unique(self.leaves, return_inverse=True)
        ranked = [self.predictor.leaf(node).differential for node in unique.tolist()]
        bad = np.fromiter(self.errors, dtype=np.intp)
        columns: dict[str, Any] = {name: base[name] for name in ("cause", "probability", "triage", "red_flags",
                                                                 "safety_net", "triage_reasons")}
        for k in range(top):
            cause = np.asarray([d[k][0] if k < len(d) else None for d in ranked], dtype=object)[inverse]
            prob = np.asarray([d[k][1] if k < len(d) else np.nan for d in ranked], dtype=np.float64)[inverse]
            cause[bad], prob[bad] = None, np.nan
            columns[f"top{k + 1}"], columns[f"top{k + 1}_probability"] = cause, prob
        proba = self.probabilities
        for j, cause_id in enumerate(self.predictor.kb.cause_ids):
            columns[f"p_{cause_id}"] = proba[:, j]
        columns["path"], columns["error"] = base["path"], base["error"]
        clash = sorted(set(out) & set(columns))
        if clash:
            raise ValueError(
                f"the input column {clash[0]!r} has the name of an output column; rename it in the input"
            )
        out.update(columns)
        return pd.DataFrame(out, index=range(n))

    def __repr__(self) -> str:
        return f"Predictions({len(self)} cases, {len(self.errors)} with errors)"


def predict_encoded_many(predictor: Any, X: np.ndarray, errors: Mapping[int, str]) -> Predictions:
    """The predictions of an encoded matrix ``X`` whose bad rows (all NaN) are named in ``errors``."""
    return Predictions(predictor, X, apply(predictor, X), dict(errors))


__all__ = ["Predictions", "TreeArrays", "apply", "tree_arrays", "is_dataframe", "predict_encoded_many", "TOP"]
