"""The exceptions users catch. Each subclasses a built-in, so ``except ValueError`` still works."""

from __future__ import annotations


class InvalidCaseError(ValueError):
    """A case, or a value in it, is not what the contract allows.

    The message names the finding, the value received and what is allowed.
    """


class ModelNotFoundError(FileNotFoundError):
    """No trained model where one was expected; the message says how to train one."""


class ModelIntegrityError(ValueError):
    """A model file does not match the SHA-256 recorded for it, or its metadata is unreadable."""


class ModelVersionError(RuntimeError):
    """The scikit-learn estimator was trained with another scikit-learn version than the one here."""


class DataError(ValueError):
    """Training data that cannot be used: missing columns, empty, or from another knowledge base."""
