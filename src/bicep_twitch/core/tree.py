"""The fitted tree as plain data: what the predictor, the renderer and the questionnaire read.

Written by the export step from a scikit-learn tree; read here with ``json`` alone, so predicting
imports neither numpy nor scikit-learn and unpickles nothing. The walk follows scikit-learn's
own rules exactly, so both give the same leaf for every case:

* a known value goes left when ``float32(value) <= threshold`` (scikit-learn compares in
  float32); :func:`float32_cut` turns that into one float64 comparison;
* an unknown value (NaN) goes the way the tree learned for missing values at that node
  (``missing_go_to_left``).
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

TREE_FORMAT = "bicep-twitch tree"
TREE_FORMAT_VERSION = 1
LEAF = -1
# Bounds on what a tree file may hold, checked on load before any walk, so a crafted but well
# formed tree (a million-split chain with correct hashes) is refused at once instead of costing
# seconds per prediction and gigabytes to draw. Far above what training makes: its grids stop
# at 3,000 leaves (5,999 nodes) and depth 24ish.
MAX_NODES = 65_535
MAX_DEPTH = 64


def float32_cut(threshold: float) -> float:
    """The largest float64 ``x`` with ``float32(x) <= threshold`` (round-to-nearest-even).

    So ``x <= float32_cut(t)`` is exactly scikit-learn's ``float32(x) <= t``, at float64 speed.
    """
    if math.isinf(threshold):
        return threshold
    f = _to_f32(threshold)
    if f > threshold:
        f = _from_ordered(_ordered(f) - 1)
    up = _from_ordered(_ordered(f) + 1)
    midpoint = (f + up) / 2.0  # exact in float64
    # A double exactly at the midpoint rounds to whichever float32 has the even mantissa.
    f_is_even = struct.unpack("<I", struct.pack("<f", f))[0] % 2 == 0
    return midpoint if f_is_even else math.nextafter(midpoint, -math.inf)


def _to_f32(x: float) -> float:
    return struct.unpack("<f", struct.pack("<f", x))[0]


def _ordered(f: float) -> int:
    """float32 bits as an integer that increases with the value (so +1 is the next float32)."""
    bits = struct.unpack("<I", struct.pack("<f", f))[0]
    return bits if bits < 0x80000000 else -(bits - 0x80000000)


def _from_ordered(o: int) -> float:
    bits = o if o >= 0 else -o + 0x80000000
    return struct.unpack("<f", struct.pack("<I", bits))[0]


@dataclass(frozen=True)
class TreeData:
    """A binary decision tree as parallel lists indexed by node id (0 is the root).

    ``value[node]`` is the class distribution (fractions summing to 1) of the training cases
    that reached ``node``; ``n_samples[node]`` how many there were.
    """

    features: tuple[str, ...]
    classes: tuple[str, ...]
    children_left: Sequence[int]
    children_right: Sequence[int]
    feature: Sequence[int]
    threshold: Sequence[float]
    missing_go_to_left: Sequence[bool]
    value: Sequence[Sequence[float]]
    n_samples: Sequence[int]
    cut: Sequence[float]

    @property
    def node_count(self) -> int:
        return len(self.children_left)

    def is_leaf(self, node: int) -> bool:
        return self.children_left[node] == LEAF

    def goes_left(self, node: int, x: float) -> bool:
        """Which way a value goes at a split node: the one rule of the walk.

        A known value goes left when ``x <= cut[node]``; NaN (unknown) takes the learned direction.
        (The batch path applies the same rule to numpy arrays.)
        """
        if x != x:
            return bool(self.missing_go_to_left[node])
        return x <= self.cut[node]

    def child(self, node: int, x: float) -> int:
        """The child a value ``x`` goes to at split ``node``."""
        return self.children_left[node] if self.goes_left(node, x) else self.children_right[node]

    def decision_path(self, row: Sequence[float]) -> list[int]:
        """The node ids a case visits, root first, leaf last. ``row`` is in ``features`` order."""
        left, feature = self.children_left, self.feature
        node = 0
        path = [0]
        while left[node] != LEAF:
            node = self.child(node, row[feature[node]])
            path.append(node)
        return path

    def depth(self) -> int:
        depths = [0] * self.node_count
        deepest = 0
        for node in range(self.node_count):  # parents precede children in scikit-learn's order
            for child in (self.children_left[node], self.children_right[node]):
                if child != LEAF:
                    depths[child] = depths[node] + 1
                    deepest = max(deepest, depths[child])
        return deepest

    def leaves(self) -> list[int]:
        return [n for n in range(self.node_count) if self.children_left[n] == LEAF]

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": TREE_FORMAT,
                "format_version": TREE_FORMAT_VERSION,
                "features": list(self.features),
                "classes": list(self.classes),
                "children_left": list(self.children_left),
                "children_right": list(self.children_right),
                "feature": list(self.feature),
                "threshold": list(self.threshold),
                "missing_go_to_left": [int(b) for b in self.missing_go_to_left],
                "value": [list(v) for v in self.value],
                "n_samples": list(self.n_samples),
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> "TreeData":
        """Read a tree written by :meth:`to_json`, validated in full (see :meth:`from_arrays`).

        Raises
        ------
        ValueError
            Not a tree file, or a tree that is not well formed (the message names the field and node).
        """
        raw = json.loads(text)
        if not isinstance(raw, dict):
            raise ValueError(f"not a {TREE_FORMAT} file (got a JSON {type(raw).__name__})")
        missing = [k for k in _FIELDS + ("features", "classes") if k not in raw]
        if missing:
            raise ValueError(f"the tree file lacks the field {missing[0]!r}")
        if raw.get("format") != TREE_FORMAT or raw.get("format_version") != TREE_FORMAT_VERSION:
            raise ValueError(
                f"not a {TREE_FORMAT} file of format_version {TREE_FORMAT_VERSION} "
                f"(got format {raw.get('format')!r}, version {raw.get('format_version')!r})"
            )
        return cls.from_arrays(
            features=raw["features"],
            classes=raw["classes"],
            children_left=raw["children_left"],
            children_right=raw["children_right"],
            feature=raw["feature"],
            threshold=raw["threshold"],
            missing_go_to_left=raw["missing_go_to_left"],
            value=raw["value"],
            n_samples=raw["n_samples"],
        )

    @classmethod
    def from_arrays(cls, **arrays) -> "TreeData":
        """Build a tree from parallel lists, after checking it is a well-formed tree.

        Checked, so a crafted file can neither hang nor crash a walk: every field has one entry
        per node; a leaf has no children; a split's children come after it and every node but
        the root has exactly one parent (so the tree is connected and acyclic, and every walk
        ends); at most ``MAX_NODES`` nodes and ``MAX_DEPTH`` levels; split features index ``features``; thresholds are numbers (not NaN); each ``value`` row has
        one finite, non-negative entry per class with a positive sum; ``n_samples`` are whole
        numbers from 0.

        Raises
        ------
        ValueError
            Naming the field, the node and the value found.
        """
        names = _check_names(arrays["features"], "features"), _check_names(arrays["classes"], "classes")
        n = len(_sequence(arrays["children_left"], "children_left"))
        if n == 0:
            raise ValueError("the tree has no nodes")
        if n > MAX_NODES:
            raise ValueError(f"the tree has {n:,} nodes, more than the {MAX_NODES:,} a tree may have")
        for name in _FIELDS[1:]:
            if len(_sequence(arrays[name], name)) != n:
                raise ValueError(f"tree field {name!r} has {len(arrays[name])} entries, expected {n}")
        left = [_whole(v, "children_left", i) for i, v in enumerate(arrays["children_left"])]
        right = [_whole(v, "children_right", i) for i, v in enumerate(arrays["children_right"])]
        feature = [_whole(v, "feature", i) for i, v in enumerate(arrays["feature"])]
        # A threshold may be infinite: scikit-learn splits "missing vs everything" at +inf.
        threshold = [_finite(v, "threshold", i, infinite=True) for i, v in enumerate(arrays["threshold"])]
        parents = [0] * n
        depths = [0] * n  # children lie after their parent, so a parent's depth is known first
        for i in range(n):
            if left[i] == LEAF or right[i] == LEAF:
                if left[i] != right[i]:
                    raise ValueError(f"tree node {i} has one child ({left[i]}, {right[i]}); a node has two or none")
                continue
            if depths[i] >= MAX_DEPTH:
                raise ValueError(f"tree node {i} splits at depth {depths[i]}; a tree may be at most {MAX_DEPTH} deep")
            for child in (left[i], right[i]):
                if not i < child < n:
                    raise ValueError(f"tree node {i} has the child {child}; children must lie after it, below {n}")
                parents[child] += 1
                depths[child] = depths[i] + 1
            if not 0 <= feature[i] < len(names[0]):
                raise ValueError(f"tree node {i} splits on feature {feature[i]}; there are {len(names[0])}")
        shared = next((i for i in range(1, n) if parents[i] != 1), None)
        if shared is not None:
            raise ValueError(f"tree node {shared} has {parents[shared]} parents; every node but the root has one")
        missing = []
        for i, v in enumerate(arrays["missing_go_to_left"]):
            if v not in (0, 1) or not isinstance(v, (bool, int)):
                raise ValueError(f"tree field 'missing_go_to_left' at node {i} must be 0 or 1 (got {str(v)[:40]})")
            missing.append(bool(v))
        value = [_distribution(v, len(names[1]), i) for i, v in enumerate(arrays["value"])]
        n_samples = [_whole(v, "n_samples", i) for i, v in enumerate(arrays["n_samples"])]
        if min(n_samples) < 0:
            raise ValueError(f"tree field 'n_samples' at node {n_samples.index(min(n_samples))} is negative")
        return cls(
            features=names[0],
            classes=names[1],
            children_left=left,
            children_right=right,
            feature=feature,
            threshold=threshold,
            missing_go_to_left=missing,
            value=value,
            n_samples=n_samples,
            cut=[float32_cut(t) if left[i] != LEAF else t for i, t in enumerate(threshold)],
        )

    @classmethod
    def from_sklearn(cls, estimator, *, features: Sequence[str], classes: Sequence[str]) -> "TreeData":
        """Read a fitted ``DecisionTreeClassifier`` (single output) into plain data."""
        tree = estimator.tree_
        value = tree.value[:, 0, :]
        sums = value.sum(axis=1, keepdims=True)
        fractions = value / sums  # scikit-learn >= 1.4 stores fractions already; older, counts
        missing = getattr(tree, "missing_go_to_left", None)
        if missing is None:
            raise ValueError("this scikit-learn tree has no missing-value directions (scikit-learn >= 1.3 needed)")
        return cls.from_arrays(
            features=list(features),
            classes=list(classes),
            children_left=tree.children_left.tolist(),
            children_right=tree.children_right.tolist(),
            feature=tree.feature.tolist(),
            threshold=tree.threshold.tolist(),
            missing_go_to_left=missing.tolist(),
            value=fractions.tolist(),
            n_samples=tree.n_node_samples.tolist(),
        )


_FIELDS = ("children_left", "children_right", "feature", "threshold", "missing_go_to_left", "value", "n_samples")


def _sequence(v, name: str) -> Sequence:
    if isinstance(v, (str, bytes)) or not hasattr(v, "__len__"):
        raise ValueError(f"tree field {name!r} must be a list (got {type(v).__name__})")
    return v


def _check_names(v, name: str) -> tuple[str, ...]:
    items = tuple(_sequence(v, name))
    if not all(isinstance(x, str) and x for x in items) or len(set(items)) != len(items) or not items:
        raise ValueError(f"tree field {name!r} must be a list of distinct names")
    return items


def _whole(v, name: str, node: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int):  # numpy ints arrive as Python ints via tolist()
        raise ValueError(f"tree field {name!r} at node {node} must be a whole number (got {str(v)[:40]})")
    return v


def _finite(v, name: str, node: int, *, infinite: bool = False) -> float:
    try:
        x = float(v) if not isinstance(v, bool) and isinstance(v, (int, float)) else math.nan
    except OverflowError:  # an int of hundreds of digits
        x = math.nan
    if math.isnan(x) or (math.isinf(x) and not infinite):
        kind = "a number" if infinite else "a finite number"
        raise ValueError(f"tree field {name!r} at node {node} must be {kind} (got {str(v)[:40]})")
    return x


def _distribution(v, n_classes: int, node: int) -> tuple[float, ...]:
    row = tuple(_finite(p, "value", node) for p in _sequence(v, "value"))
    if len(row) != n_classes or min(row) < 0 or sum(row) <= 0:
        raise ValueError(
            f"tree field 'value' at node {node} must hold {n_classes} non-negative numbers with a positive sum"
        )
    return row


def read_tree(path: str | Path) -> TreeData:
    return TreeData.from_json(Path(path).read_bytes())
