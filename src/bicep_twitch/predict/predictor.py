"""The predictor: load a trained tree safely and rank the likely causes of a case.

``Predictor.load()`` reads the tree as plain data (``bicep_twitch_tree.tree.json``), after
checking its SHA-256 against the model's metadata, so predicting imports neither scikit-learn
nor numpy and unpickles nothing. One case is a walk of at most a dozen nodes over Python lists;
a batch (:meth:`Predictor.predict_many`) walks all cases at once over numpy arrays, and builds
each :class:`Result` only when it is looked at.

The result ranks causes; it never claims to diagnose. Triage and red flags come from the
knowledge base's ``triage`` section: data, not code branches.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, overload

from ..core.cases import decode_value, encode_case
from .._errors import InvalidCaseError, ModelIntegrityError, ModelNotFoundError, ModelVersionError
from ..predict.explain import Explainer, Step, format_result_text, summarize
from ..core.knowledge import KnowledgeBase, load_knowledge
from ..core.model_folder import META_NAME as MODEL_META_NAME
from ..core.model_folder import MODEL_FORMAT
from ..core.tree import TreeData

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

PACKAGE_DIR = Path(__file__).resolve().parents[1]
PACKAGED_MODEL_DIR = PACKAGE_DIR / "_default_model"
CHECKOUT_MODEL_DIR = PACKAGE_DIR.parents[1] / "models"
SELF_CARE, SEE_DOCTOR = "self_care", "see_doctor"
TRAIN_HINT = "train one with 'bicep-twitch train' (or 'make model')"


def default_model_dir() -> Path:
    """The model ``Predictor.load()`` uses: the packaged copy if present, else the checkout's ``models/``.

    Examples
    --------
    >>> default_model_dir().name in ("_default_model", "models")
    True
    """
    if (PACKAGED_MODEL_DIR / MODEL_META_NAME).is_file():
        return PACKAGED_MODEL_DIR
    return CHECKOUT_MODEL_DIR


def metadata_path(path: str | Path | None = None) -> Path:
    """The metadata file of a model given as a folder, its metadata file, or one of its files."""
    if path is None:
        return default_model_dir() / MODEL_META_NAME
    p = Path(path)
    if p.is_dir():
        return p / MODEL_META_NAME
    if p.name.endswith((".joblib", ".tree.json")):
        return p.with_name(MODEL_META_NAME)
    return p


def read_metadata(meta: Path) -> dict[str, Any]:
    """Read and check a model's metadata; say how to train when it is missing."""
    try:
        raw = meta.read_bytes()
    except FileNotFoundError:
        raise ModelNotFoundError(f"no model at {str(meta)!r}; {TRAIN_HINT}") from None
    except OSError as exc:
        raise ModelIntegrityError(f"the model metadata {str(meta)!r} is unreadable ({exc.strerror})") from None
    try:
        record = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelIntegrityError(f"the model metadata {str(meta)!r} is unreadable: not valid JSON ({exc})") from None
    if not isinstance(record, dict) or record.get("format") != MODEL_FORMAT:
        got = record.get("format") if isinstance(record, dict) else type(record).__name__
        raise ModelIntegrityError(
            f"the model metadata {str(meta)!r} is unreadable: 'format' must be {MODEL_FORMAT!r} (got {got!r})"
        )
    files = record.get("files")
    for key in ("tree", "joblib"):
        entry = files.get(key) if isinstance(files, dict) else None
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str) or not isinstance(entry.get("sha256"), str):
            raise ModelIntegrityError(
                f"the model metadata {str(meta)!r} is unreadable: it lacks files.{key}.path and files.{key}.sha256"
            )
    return record


def _checked_bytes(model_dir: Path, record: Mapping[str, Any], key: str) -> bytes:
    """The bytes of model file ``key``, after checking them against the metadata's SHA-256.

    The hash is taken of the very bytes that are then parsed, so nothing can swap the file
    between the check and the use.
    """
    entry = record["files"][key]
    path = model_dir / entry["path"]
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ModelNotFoundError(f"the model file {str(path)!r} is missing; {TRAIN_HINT}") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != entry["sha256"]:
        raise ModelIntegrityError(
            f"the model file {str(path)!r} does not match the SHA-256 in its metadata "
            f"(expected {entry['sha256'][:12]}..., got {digest[:12]}...); it was changed or damaged, "
            f"refusing to use it; {TRAIN_HINT}"
        )
    return data


@dataclass(frozen=True, repr=False)
class Result:
    """What the predictor says about one case.

    Attributes
    ----------
    cause, label : str
        The most likely cause's id and its label.
    probability : float
        Its probability (the share of training cases like this one that had it).
    differential : tuple of (str, float)
        Every cause id with its probability, most likely first; they sum to 1.
    path : tuple of Step
        The explanation: one step per decision the tree took, root first.
    triage : str
        ``"see_doctor"`` or ``"self_care"``, by the knowledge base's triage rules.
    red_flags : tuple of str
        Finding ids among the user's own answers that call for a doctor; empty when none.
    advice : str
        Advice for the most likely cause, from the article where it gives some.
    answers : dict
        The answers given (known findings only), in contract form.
    leaf : int
        The tree leaf the case reached.
    error : str or None
        For a case of a batch that could not be read: why. All other fields are then empty
        (``cause`` is ``None``). :meth:`Predictor.predict` raises instead.
    """

    cause: str | None
    label: str | None
    probability: float | None
    differential: tuple[tuple[str, float], ...]
    path: tuple[Step, ...]
    triage: str | None
    red_flags: tuple[str, ...]
    advice: str | None
    answers: dict[str, Any]
    leaf: int | None
    kb: KnowledgeBase = field(compare=False)
    error: str | None = None

    @property
    def ok(self) -> bool:
        """False for a batch case that carries an error instead of a prediction."""
        return self.error is None

    @property
    def summary(self) -> tuple[str, ...]:
        """The path in short: one line per finding, repeated splits on a number merged into one range."""
        return summarize(self.path, self.kb)

    @property
    def disclaimer(self) -> str:
        return self.kb.disclaimer

    def to_dict(self) -> dict[str, Any]:
        """All fields as plain JSON types; each path step both as a sentence and structured."""
        return {
            "cause": self.cause,
            "label": self.label,
            "probability": self.probability,
            "differential": [
                {"cause": c, "label": self.kb.causes[c].label, "probability": p} for c, p in self.differential
            ],
            "path": [step.to_dict() for step in self.path],
            "summary": list(self.summary),
            "triage": self.triage,
            "red_flags": list(self.red_flags),
            "advice": self.advice,
            "answers": dict(self.answers),
            "leaf": self.leaf,
            "error": self.error,
            "disclaimer": self.kb.disclaimer,
        }

    def text(self) -> str:
        """The human text ``bicep-twitch predict`` prints (see :func:`format_result_text`)."""
        return format_result_text(self)

    def __repr__(self) -> str:
        if self.error is not None:
            return f"Result(error={self.error!r})"
        return (
            f"Result(cause={self.cause!r}, probability={self.probability:.3f}, triage={self.triage!r}, "
            f"red_flags={self.red_flags!r}, steps={len(self.path)})"
        )


class Predictor:
    """A trained tree with the knowledge base's words and rules: ranks causes, explains, triages.

    Use :meth:`load`; the attributes are ``tree`` (:class:`TreeData`), ``kb``, ``metadata``
    (the model's metadata record) and ``model_dir``.

    Examples
    --------
    >>> predictor = Predictor.load()
    >>> result = predictor.predict({"movement": "spasm", "recent_arm_workout": True, "hours_after_workout": 1})
    >>> result.triage in ("self_care", "see_doctor")
    True
    >>> abs(sum(p for _, p in result.differential) - 1) < 1e-9
    True
    """

    def __init__(self, tree: TreeData, kb: KnowledgeBase, metadata: Mapping[str, Any], model_dir: Path):
        if tuple(tree.features) != kb.finding_ids:
            raise ModelIntegrityError(
                f"the model in {str(model_dir)!r} was trained on other findings than this knowledge base has "
                f"(model: {list(tree.features)}); {TRAIN_HINT}"
            )
        unknown = [c for c in tree.classes if c not in kb.causes]
        if unknown:
            raise ModelIntegrityError(
                f"the model in {str(model_dir)!r} predicts causes this knowledge base lacks: {unknown}; {TRAIN_HINT}"
            )
        self.tree = tree
        self.kb = kb
        self.metadata = dict(metadata)
        self.model_dir = Path(model_dir)
        self._explainer = Explainer(tree, kb)
        self._leaves: dict[int, tuple] = {}
        self._estimator = None
        self._arrays = None
        # Causes the tree never saw in training get probability 0; ties go to the tree's own
        # class order, so the top cause is the one scikit-learn's predict() gives.
        column = {c: i for i, c in enumerate(tree.classes)}
        self._cause_columns = [(c, column.get(c)) for c in kb.cause_ids]
        self._tie_rank = {c: column.get(c, len(column) + k) for k, c in enumerate(kb.cause_ids)}
        self._see_doctor = frozenset(kb.see_doctor_causes)
        index = {fid: j for j, fid in enumerate(kb.finding_ids)}
        self._flags = [(index[flag.finding], flag.rule, flag.value, flag.finding) for flag in kb.red_flags]

    @classmethod
    def load(cls, path: str | Path | None = None, *, kb: KnowledgeBase | None = None) -> "Predictor":
        """Load a model: a folder, its metadata ``.json``, or ``None`` for the default model.

        Raises
        ------
        ModelNotFoundError
            No model there; the message says how to train one.
        ModelIntegrityError
            The metadata is unreadable, or the tree file does not match its SHA-256.

        Examples
        --------
        >>> Predictor.load().tree.node_count > 1
        True
        """
        meta = metadata_path(path)
        record = read_metadata(meta)
        model_dir = meta.parent
        data = _checked_bytes(model_dir, record, "tree")
        try:
            tree = TreeData.from_json(data)
        except (ValueError, KeyError, TypeError) as exc:
            raise ModelIntegrityError(f"the tree file in {str(model_dir)!r} is unreadable ({exc})") from None
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
        return self._result(row, self.tree.decision_path(row))

    def _result(self, row: Sequence[float], path: list[int]) -> Result:
        leaf = path[-1]
        info = self._leaves.get(leaf)
        if info is None:
            info = self._leaves[leaf] = self._leaf_info(leaf)
        differential, cause, label, probability, advice = info
        red_flags = self.red_flags_of(row)
        triage = SEE_DOCTOR if red_flags or cause in self._see_doctor else SELF_CARE
        findings = self.kb.findings
        answers = {fid: decode_value(findings[fid], x) for fid, x in zip(self.kb.finding_ids, row) if x == x}
        return Result(
            cause, label, probability, differential, self._explainer.steps(row, path), triage,
            red_flags, advice, answers, leaf, self.kb,
        )

    def _leaf_info(self, leaf: int) -> tuple:
        value = self.tree.value[leaf]
        raw = [(c, float(value[j]) if j is not None else 0.0) for c, j in self._cause_columns]
        total = sum(p for _, p in raw)
        rank = self._tie_rank
        differential = tuple(sorted(((c, p / total) for c, p in raw), key=lambda cp: (-cp[1], rank[cp[0]])))
        cause, probability = differential[0]
        c = self.kb.causes[cause]
        return differential, cause, c.label, probability, c.advice

    def red_flags_of(self, row: Sequence[float]) -> tuple[str, ...]:
        """The red-flag finding ids among a case's own answers (encoded row), in knowledge-base order."""
        out = []
        for j, rule, limit, fid in self._flags:
            x = row[j]
            if x == x and (x == 1.0 if rule == "yes" else x > limit):
                out.append(fid)
        return tuple(out)

    def error_result(self, message: str) -> Result:
        """The result a batch gives for a case it could not read."""
        return Result(None, None, None, (), (), None, (), None, {}, None, self.kb, message)

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

        if isinstance(cases, Mapping):
            raise InvalidCaseError("predict_many takes a list of cases or a DataFrame; use predict() for one case")
        if _is_dataframe(cases):
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
        import numpy as np

        left, right, feature, cut, missing_left, _ = self._numpy()
        n = X.shape[0]
        node = np.zeros(n, dtype=np.intp)
        active = np.arange(n)
        # One level per pass over the rows still at a split node: at most depth passes.
        while active.size:
            here = node[active]
            x = X[active, feature[here]]
            go_left = np.where(np.isnan(x), missing_left[here], x <= cut[here])
            nxt = np.where(go_left, left[here], right[here])
            node[active] = nxt
            active = active[left[nxt] != -1]
        return node

    def _numpy(self):
        """The tree as numpy arrays (built once): children, feature, cut, missing direction, values."""
        if self._arrays is None:
            import numpy as np

            t = self.tree
            values = np.zeros((t.node_count, len(self.kb.causes)))
            raw = np.asarray(t.value, dtype=np.float64)
            for k, (_, j) in enumerate(self._cause_columns):
                if j is not None:
                    values[:, k] = raw[:, j]
            values /= values.sum(axis=1, keepdims=True)
            self._arrays = (
                np.asarray(t.children_left, dtype=np.intp),
                np.asarray(t.children_right, dtype=np.intp),
                np.asarray([max(f, 0) for f in t.feature], dtype=np.intp),  # leaves hold -2; never read
                np.asarray(t.cut, dtype=np.float64),
                np.asarray(t.missing_go_to_left, dtype=bool),
                values,
            )
        return self._arrays

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
            data = _checked_bytes(self.model_dir, self.metadata, "joblib")
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


def _is_dataframe(obj: Any) -> bool:
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

    def __init__(self, predictor: Predictor, X: "np.ndarray", leaves: "np.ndarray", errors: dict[int, str]):
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
        return self.predictor._result(row, self.predictor.tree.decision_path(row))

    @property
    def probabilities(self) -> "np.ndarray":
        """(n cases, n causes) probabilities in knowledge-base cause order; NaN rows for errors."""
        import numpy as np

        proba = self.predictor._numpy()[5][self.leaves]
        if self.errors:
            proba[np.fromiter(self.errors, dtype=np.intp)] = np.nan
        return proba

    @property
    def causes(self) -> "np.ndarray":
        """The most likely cause id of each case (``None`` for rows with an error)."""
        return self._leaf_columns()[0]

    def _leaf_columns(self):
        """Per-case cause, probability, top 3 text and see-doctor-by-cause, computed per distinct leaf."""
        import numpy as np

        p = self.predictor
        unique, inverse = np.unique(self.leaves, return_inverse=True)
        cause, prob, top3, by_cause = [], [], [], []
        for leaf in unique.tolist():
            info = p._leaves.get(leaf)
            if info is None:
                info = p._leaves[leaf] = p._leaf_info(leaf)
            differential = info[0]
            cause.append(info[1])
            prob.append(info[3])
            top3.append("; ".join(f"{c} {q:.3f}" for c, q in differential[:3]))
            by_cause.append(info[1] in p._see_doctor)
        columns = [np.asarray(col, dtype=dtype)[inverse] for col, dtype in
                   ((cause, object), (prob, np.float64), (top3, object), (by_cause, bool))]
        if self.errors:
            bad = np.fromiter(self.errors, dtype=np.intp)
            columns[0][bad], columns[1][bad], columns[2][bad] = None, np.nan, ""
        return columns

    def to_frame(self, *, explain: bool = True) -> "pd.DataFrame":
        """One row per case, in order: cause, probability, top3, triage, red_flags, path, error.

        ``top3`` reads "cause 0.620; cause 0.200; cause 0.090"; ``red_flags`` is the finding ids
        joined by ";"; ``path`` the explanation's sentences joined by "; " (left empty when
        ``explain`` is false, which is much faster); ``error`` is empty for good rows.
        """
        import numpy as np
        import pandas as pd

        cause, prob, top3, by_cause = self._leaf_columns()
        flags = self.predictor._flags
        n = len(self)
        code = np.zeros(n, dtype=np.int64)
        for k, (j, rule, limit, _) in enumerate(flags):
            x = self.X[:, j]
            with np.errstate(invalid="ignore"):
                hit = (x == 1.0) if rule == "yes" else (x > limit)
            code |= hit.astype(np.int64) << k
        names = {c: ";".join(f[3] for k, f in enumerate(flags) if c >> k & 1) for c in np.unique(code).tolist()}
        red = np.array([names[c] for c in code.tolist()], dtype=object) if n else np.array([], dtype=object)
        triage = np.where(by_cause | (code != 0), SEE_DOCTOR, SELF_CARE).astype(object)
        error = np.full(n, "", dtype=object)
        path = np.full(n, "", dtype=object)
        if explain:
            tree, explainer = self.predictor.tree, self.predictor._explainer
            for k in range(n):
                if k not in self.errors:
                    row = self.X[k].tolist()
                    path[k] = "; ".join(s.text for s in explainer.steps(row, tree.decision_path(row)))
        for k, message in self.errors.items():
            error[k] = message
            triage[k] = ""
            red[k] = ""
        return pd.DataFrame(
            {"cause": cause, "probability": prob, "top3": top3, "triage": triage, "red_flags": red,
             "path": path, "error": error}
        )

    def __repr__(self) -> str:
        return f"Predictions({len(self)} cases, {len(self.errors)} with errors)"


__all__ = ["Predictor", "Result", "Predictions", "default_model_dir", "SELF_CARE", "SEE_DOCTOR"]
