"""Shared fixtures: small generated data and a small trained model, built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_ARTICLE = REPO.parent / "shared" / "article" / "what-makes-your-bicep-twitch.txt"


@pytest.fixture(scope="session")
def kb():
    from bicep_twitch.core.knowledge import load_knowledge

    return load_knowledge()


@pytest.fixture(scope="session")
def small_data(tmp_path_factory):
    """A small dataset on disk (train and test), seed 3."""
    from bicep_twitch.data.generate import write_dataset

    out = tmp_path_factory.mktemp("data")
    write_dataset(out, n=20_000, n_test=5_000, seed=3)
    return out


@pytest.fixture(scope="session")
def small_model(small_data, tmp_path_factory):
    """A model trained on ``small_data`` into its own folder."""
    from bicep_twitch.model.train import train_model

    out = tmp_path_factory.mktemp("model")
    train_model(small_data, out, seed=3)
    return out


def write_toy_model(out: Path) -> Path:
    """Write a hand-built 4-leaf tree as a model folder; return the folder.

    caffeine_cups_per_day <= 4.5 (unknown: left)
        weakness (unknown: yes)  no -> stress_anxiety 0.6, sleep_deprivation 0.4
                                 yes -> neuromuscular_disease 0.7, nerve_damage 0.3
    caffeine_cups_per_day > 4.5
        caffeine_cups_per_day <= 10.5 (unknown: left) -> caffeine 0.8, stress_anxiety 0.2
        more                                           -> caffeine 0.9, alcohol 0.1
    The joblib file is a stand-in (not a pickle): tests that need the real estimator use
    ``small_model`` or the default model.
    """
    import hashlib
    import json
    from importlib.metadata import version

    from bicep_twitch.core.knowledge import load_knowledge
    from bicep_twitch.core.tree import TreeData

    ids = list(load_knowledge().finding_ids)
    caffeine, weakness = ids.index("caffeine_cups_per_day"), ids.index("weakness")
    classes = ["alcohol", "caffeine", "nerve_damage", "neuromuscular_disease", "sleep_deprivation", "stress_anxiety"]
    even = [1 / 6] * 6
    tree = TreeData.from_arrays(
        features=ids,
        classes=classes,
        children_left=[1, 2, -1, -1, 5, -1, -1],
        children_right=[4, 3, -1, -1, 6, -1, -1],
        feature=[caffeine, weakness, -2, -2, caffeine, -2, -2],
        threshold=[4.5, 0.5, -2.0, -2.0, 10.5, -2.0, -2.0],
        missing_go_to_left=[1, 0, 0, 0, 1, 0, 0],
        value=[even, even, [0, 0, 0, 0, 0.4, 0.6], [0, 0, 0.3, 0.7, 0, 0], even,
               [0, 0.8, 0, 0, 0, 0.2], [0.1, 0.9, 0, 0, 0, 0]],
        n_samples=[100, 60, 40, 20, 40, 30, 10],
    )
    out.mkdir(parents=True, exist_ok=True)
    (out / "bicep_twitch_tree.tree.json").write_text(tree.to_json() + "\n", encoding="utf-8")
    (out / "bicep_twitch_tree.joblib").write_bytes(b"a stand-in, not a pickle")
    files = {
        key: {"path": name, "sha256": hashlib.sha256((out / name).read_bytes()).hexdigest()}
        for key, name in (("tree", "bicep_twitch_tree.tree.json"), ("joblib", "bicep_twitch_tree.joblib"))
    }
    meta = {
        "format": "bicep-twitch model",
        "format_version": 1,
        "files": files,
        "versions": {"scikit-learn": version("scikit-learn")},
        "classes": classes,
        "features": ids,
    }
    (out / "bicep_twitch_tree.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return out


@pytest.fixture(scope="session")
def toy_model(tmp_path_factory):
    """A hand-built 4-leaf model folder (see :func:`write_toy_model`); copy it before changing it."""
    return write_toy_model(tmp_path_factory.mktemp("toy_model"))


@pytest.fixture(scope="session")
def toy_predictor(toy_model):
    """The toy model loaded (read-only: tests that change it build their own Predictor)."""
    from bicep_twitch import Predictor

    return Predictor.load(toy_model)


@pytest.fixture(scope="session")
def shipped_predictor():
    """The model shipped in models/."""
    from bicep_twitch import Predictor

    return Predictor.load()


@pytest.fixture
def toy(toy_predictor):
    """:func:`toy_predictor` by its short name (a module may define a ``toy`` of its own)."""
    return toy_predictor


@pytest.fixture
def default(shipped_predictor):
    """:func:`shipped_predictor` by its short name."""
    return shipped_predictor
