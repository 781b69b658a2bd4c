"""The predictor: load a trained tree safely and rank the likely causes of a case.

``Predictor.load()`` reads the tree as plain data (``bicep_twitch_tree.tree.json``), after
checking its SHA-256 against the model's metadata, so predicting imports neither scikit-learn
nor numpy and unpickles nothing. One case is a walk from the root to a leaf, one node per level
of the tree, over Python lists; a batch (:meth:`Predictor.predict_many`) walks all cases at once
over numpy arrays, and builds each :class:`Result` only when it is looked at.

The result ranks causes; it never claims to diagnose. Triage and red flags come from the
knowledge base's ``triage`` section: data, not code branches.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, NamedTuple

from .._errors import InvalidCaseError, ModelVersionError
from ..core.cases import decode_value, encode_case
from ..core.knowledge import KnowledgeBase, load_knowledge
from ..core.model_folder import checked_bytes, check_tree_matches, read_model_tree
from ..core.tree import TreeData
from ..core.triage import Triage, triage
from .explain import Explainer
from .result import Result

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

    from .batch import Predictions


class Leaf(NamedTuple):
    """What one leaf says, worked out once per leaf and shared by every case that reaches it."""

    differential: tuple[tuple[str, float], ...]
    cause: str
    label: str
    probability: float
    advice: str

class Predictor:
    """A trained tree with the knowledge base's words and rules: ranks causes, explains, triages.

    Use :meth:`load`; the attributes are ``tree`` (:class:`TreeData`), ``kb``, ``metadata``
    (the model's metadata record) and ``model_dir``.

    Examples
    --------
    >>> predictor = Predictor.load()
    >>> result = predictor.predict({"movement": "spasm", "recent_arm_workout": True, "hours_after_workout": 1})
    >>> result.triage
    'self_care'
    >>> result.safety_net.startswith("See a GP if it is still there after two weeks")
    True
    >>> abs(sum(p for _, p in result.differential) - 1) < 1e-9
    True
    """

    def __init__(self, tree: TreeData, kb: KnowledgeBase, metadata: Mapping[str, Any], model_dir: Path):
        check_tree_matches(tree, kb, repr(str(model_dir)))
        self.tree = tree
        self.kb = kb
        self.metadata = dict(metadata)
        self.model_dir = Path(model_dir)
        self.explainer = Explainer(tree, kb)
        self._leaves: dict[int, Leaf] = {}
        self._estimator = None
        self.arrays = None  # the tree as numpy arrays, built by the batch path when first needed
        # Causes the tree never saw in training get probability 0; ties go to the tree's own
        # class order, so the top cause is the one scikit-learn's predict() gives.
        column = {c: i for i, c in enumerate(tree.classes)}
        self.cause_columns = [(c, column.get(c)) for c in kb.cause_ids]
        self._tie_rank = {c: column.get(c, len(column) + k) for k, c in enumerate(kb.cause_ids)}
        self._finding_column = {fid: j for j, fid in enumerate(kb.finding_ids)}

    @classmethod
    def load(cls, path: str | Path | None = None, *, kb: KnowledgeBase | None = None) -> "Predictor":
        """Load a model: a folder, its metadata ``.json``, or ``None`` for the default model.

        Raises :class:`ModelNotFoundError` or :class:`ModelIntegrityError` as
        :func:`~bicep_twitch.core.model_folder.read_model_tree` does.

        Examples
        --------
        >>> Predictor.load().tree.node_count > 1
        True
        """
        tree, record, model_dir = read_model_tree(path)
        return cls(tree, kb if kb is not None else load_knowledge(), record, model_dir)

    # -- one case ---------------------------------------------------------------------------

    def predict(self, case: Mapping[str, Any]) -> Result:
        """Rank the likely causes of one case (finding id -> value; absent or ``None`` = unknown).

        Raises
        ------
        InvalidCaseError
            Naming the finding, the value received and what is allowed.
        """
        return self.predict_encoded(encode_case(case, self.kb))

    def predict_encoded(self, row: Sequence[float]) -> Result:
        """Like :meth:`predict` for a row already encoded (one float per finding, NaN unknown)."""
        return self.result_of(row, self.tree.decision_path(row))

    def result_of(self, row: Sequence[float], path: list[int]) -> Result:
        """The result of an encoded ``row`` whose walk through the tree was ``path``."""
        leaf = self.leaf(path[-1])
        told = self.triage_of(row, leaf)
        findings = self.kb.findings
        answers = {fid: decode_value(findings[fid], x) for fid, x in zip(self.kb.finding_ids, row) if x == x}
        return Result(
            cause=leaf.cause, label=leaf.label, probability=leaf.probability, differential=leaf.differential,
            path=self.explainer.steps(row, path), triage=told.level, triage_reasons=told.reasons,
            how_soon=told.how_soon, safety_net=told.safety_net, red_flags=told.red_flags, not_counted=told.not_counted,
            advice=self.advice_for(leaf, told), answers=answers, leaf=path[-1], kb=self.kb,
        )

    def advice_for(self, leaf: Leaf, told: Triage) -> str:
        """The cause's advice, led by the prescriber advice when a medicine that can cause twitching is taken.

        The medicines' own cause already says it in its advice, so it is not repeated there.
        """
        if leaf.cause != self.kb.medicine_cause and told.prescriber:
            return f"{self.kb.medicine_advice} {leaf.advice}"
        return leaf.advice

    def leaf(self, node: int) -> Leaf:
        """What a leaf says: the differential (every knowledge-base cause), the top cause and its advice."""
        info = self._leaves.get(node)
        if info is None:
            value = self.tree.value[node]
            raw = [(c, float(value[j]) if j is not None else 0.0) for c, j in self.cause_columns]
            total = sum(p for _, p in raw)
            rank = self._tie_rank
            differential = tuple(sorted(((c, p / total) for c, p in raw), key=lambda cp: (-cp[1], rank[cp[0]])))
            cause, probability = differential[0]
            c = self.kb.causes[cause]
            info = self._leaves[node] = Leaf(differential, cause, c.label, probability, c.advice)
        return info

    def triage_of(self, row: Sequence[float], leaf: Leaf) -> Triage:
        """The knowledge base's triage rules applied to an encoded row that reached ``leaf``."""
        probabilities = dict(leaf.differential)
        column = self._finding_column
        return triage(self.kb, is_top=lambda c: c == leaf.cause, probability=lambda c: probabilities[c],
                      answer=lambda fid: row[column[fid]])

    def error_result(self, message: str) -> Result:
        """The result a batch gives for a case it could not read."""
        return Result(kb=self.kb, error=message)

    # -- many cases -------------------------------------------------------------------------

    def predict_many(self, cases: "pd.DataFrame | Iterable[Mapping[str, Any]]") -> "Predictions":
        """Rank the causes of many cases at once: one result per case, in order.

        ``cases`` is a list of dicts (as for :meth:`predict`) or a pandas DataFrame in the
        contract's encoding (``movement`` as strings, yes/no 1.0/0.0 or bools, numbers as floats,
        NaN unknown). A case that cannot be read does not stop the others: its result carries
        the error (``result.error``; ``result.cause`` is ``None``). A DataFrame column that is
        not a finding (other than ``cause``) is an error for the whole frame.

        The tree is walked for all cases at once; the :class:`Result` objects are built when
        looked at, and :meth:`Predictions.to_frame` gives a table without building them.

        Examples
        --------
        >>> preds = Predictor.load().predict_many([{"movement": "twitch"}, {"stress_level": 11}])
        >>> len(preds), preds[0].ok, preds[1].error
        (2, True, "'stress_level' must be a number from 0 to 10 (got 11)")
        """
        import numpy as np

        from .batch import Predictions, is_dataframe

        if isinstance(cases, (Mapping, str, bytes)):  # a str iterates as its letters: one error row each
            raise InvalidCaseError(
                f"predict_many takes a list of cases or a DataFrame (got a {type(cases).__name__}); "
                "use predict() for one case"
            )
        if is_dataframe(cases):
            from ..data.frame import encode_frame

            X, errors = encode_frame(cases, self.kb)
        else:
            rows, errors = [], {}
            nan_row = [math.nan] * len(self.kb.findings)
            for i, case in enumerate(cases):
                try:
                    rows.append(encode_case(case, self.kb))
                except InvalidCaseError as exc:
                    errors[i] = str(exc)
                    rows.append(nan_row)
            X = np.array(rows, dtype=np.float64).reshape(len(rows), len(self.kb.findings))
        return Predictions(self, X, self.apply(X), errors)

    def apply(self, X: "np.ndarray") -> "np.ndarray":
        """The leaf each row of the encoded matrix ``X`` reaches (scikit-learn's ``apply``), vectorised."""
        from .batch import apply

        return apply(self, X)

    # -- the scikit-learn object ------------------------------------------------------------

    @property
    def estimator(self):
        """The scikit-learn pipeline, for those who want it; checked before it is unpickled.

        Raises
        ------
        ModelIntegrityError
            The joblib file does not match the SHA-256 in the metadata (it is never unpickled).
        ModelVersionError
            The installed scikit-learn differs from the one the model was trained with.
        """
        if self._estimator is None:
            data = checked_bytes(self.model_dir, self.metadata, "joblib")
            import sklearn

            trained = self.metadata.get("versions", {}).get("scikit-learn")
            if trained != sklearn.__version__:
                raise ModelVersionError(
                    f"the model in {str(self.model_dir)!r} was trained with scikit-learn {trained}, but "
                    f"scikit-learn {sklearn.__version__} is installed; install scikit-learn=={trained} or "
                    f"retrain with 'bicep-twitch train'. (Predicting does not need scikit-learn at all.)"
                )
            import joblib

            self._estimator = joblib.load(io.BytesIO(data))
        return self._estimator

    def __repr__(self) -> str:
        return f"Predictor(model_dir={str(self.model_dir)!r}, nodes={self.tree.node_count})"


__all__ = ["Predictor", "Leaf"]
