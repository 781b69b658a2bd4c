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
        raw = json.loads(text)
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
        n = len(arrays["children_left"])
        for name in ("children_right", "feature", "threshold", "missing_go_to_left", "value", "n_samples"):
            if len(arrays[name]) != n:
                raise ValueError(f"tree field {name!r} has {len(arrays[name])} entries, expected {n}")
        left = [int(v) for v in arrays["children_left"]]
        threshold = [float(v) for v in arrays["threshold"]]
        return cls(
            features=tuple(arrays["features"]),
            classes=tuple(arrays["classes"]),
            children_left=left,
            children_right=[int(v) for v in arrays["children_right"]],
            feature=[int(v) for v in arrays["feature"]],
            threshold=threshold,
            missing_go_to_left=[bool(v) for v in arrays["missing_go_to_left"]],
            value=[tuple(float(p) for p in v) for v in arrays["value"]],
            n_samples=[int(v) for v in arrays["n_samples"]],
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


def read_tree(path: str | Path) -> TreeData:
    return TreeData.from_json(Path(path).read_bytes())
