"""Shared fixtures: small generated data and a small trained model, built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_ARTICLE = REPO.parent / "shared" / "article" / "what-makes-your-bicep-twitch.txt"


@pytest.fixture(scope="session")
def kb():
    from bicep_twitch._knowledge import load_knowledge

    return load_knowledge()


@pytest.fixture(scope="session")
def small_data(tmp_path_factory):
    """A small dataset on disk (train and test), seed 3."""
    from bicep_twitch._generate import write_dataset

    out = tmp_path_factory.mktemp("data")
    write_dataset(out, n=20_000, n_test=5_000, seed=3)
    return out


@pytest.fixture(scope="session")
def small_model(small_data, tmp_path_factory):
    """A model trained on ``small_data`` into its own folder."""
    from bicep_twitch._train import train_model

    out = tmp_path_factory.mktemp("model")
    train_model(small_data, out, seed=3)
    return out
