"""bicep-twitch: a small, honest symptom checker for a twitching or spasming biceps.

knowledge -> generate -> train -> export -> predict / explain / render / ask.

It ranks likely causes and says when to see a doctor; it does not diagnose. Importing the
package is cheap: the heavy steps (numpy, pandas, scikit-learn) load only when first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._errors import DataError, InvalidCaseError, ModelIntegrityError, ModelNotFoundError, ModelVersionError
from ._version import __version__


__all__ = [
    "Predictor",
    "Result",
    "InvalidCaseError",
    "ModelNotFoundError",
    "ModelIntegrityError",
    "ModelVersionError",
    "DataError",
    "generate_cases",
    "bayes_posterior",
    "load_knowledge",
    "parse_description",
    "__version__",
]

# Public name -> the module that defines it (inside a layer folder, not itself public); loaded on
# first access (PEP 562).
_LAZY = {
    "Predictor": ".predict.predictor",
    "Result": ".predict.result",
    "generate_cases": ".data.generate",
    "bayes_posterior": ".data.posterior",
    "load_knowledge": ".core.knowledge",
    "parse_description": ".core.describe",
}

if TYPE_CHECKING:  # pragma: no cover
    from .data.generate import generate_cases
    from .core.describe import parse_description
    from .core.knowledge import load_knowledge
    from .data.posterior import bayes_posterior
    from .predict.predictor import Predictor
    from .predict.result import Result


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'bicep_twitch' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
