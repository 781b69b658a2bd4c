"""Checking and encoding what users give: one case, one value typed as text, or a whole column.

Each kind of finding (:class:`Kind`) holds what its values mean and the error a refused one gets,
for a single value (a dict's, typed text) and for a column (a DataFrame's, a CSV's cells): the one
encoder that ``encode_case``, ``data.frame.encode_frame`` and the CSV reader all call.

Pure Python on purpose: ``bicep-twitch predict --case`` must start fast, so this module imports
neither numpy nor pandas (numpy only when a column is read). The tree sees a case as one float per
finding, in knowledge-base order: ``movement`` as its index in the choices (twitch 0, spasm 1),
yes/no as 1.0/0.0, numbers as they are, and NaN for unknown.
"""

from __future__ import annotations

import difflib
import math
from functools import lru_cache
from numbers import Real
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from .._errors import InvalidCaseError
from .numbers import format_exact, format_number, read_number
from .knowledge import CHOICE, NUMBER, YES_NO, Finding, KnowledgeBase

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

NAN = float("nan")


def _is_bool(value: Any) -> bool:
    """Python's bool or numpy's (named ``bool_`` before numpy 2, ``bool`` since), without importing numpy."""
    kind = type(value)
    return kind is bool or (kind.__module__ == "numpy" and kind.__name__ in ("bool", "bool_"))
# "1.0"/"0.0" too: the contract's encoding of yes/no, as generated datasets write it.
_TRUE_WORDS = {"true": 1.0, "yes": 1.0, "1": 1.0, "1.0": 1.0, "false": 0.0, "no": 0.0, "0": 0.0, "0.0": 0.0}
UNKNOWN_WORDS = ("", "?")
SHOWN_CHARS = 40  # a value echoed in a message is cut to this many characters


def shown(value: object) -> str:
    r"""``repr(value)`` cut to a readable length, with control characters escaped (as repr does).

    Examples
    --------
    >>> shown("x" * 100)
    "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx... (100 characters)"
    >>> shown("\x1b[31mred")
    "'\\x1b[31mred'"
    """
    text = repr(value)
    if len(text) <= SHOWN_CHARS:
        return text
    size = len(value) if isinstance(value, (str, bytes)) else len(text)
    unit = "characters" if isinstance(value, str) else "bytes" if isinstance(value, bytes) else "characters shown"
    return f"{text[:SHOWN_CHARS - 2]}... ({size} {unit})"


def unique_keys(pairs: list[tuple[str, Any]], *, what: str = "key", error: type[Exception] = ValueError) -> dict:
    """A JSON object's ``object_pairs_hook`` that refuses a key given twice (json keeps the last silently).

    Examples
    --------
    >>> import functools, json
    >>> json.loads('{"a": 1, "a": 2}', object_pairs_hook=functools.partial(unique_keys, what="finding"))
    Traceback (most recent call last):
    ValueError: finding 'a' is given twice; give each finding once
    """
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise error(f"{what} {shown(key)} is given twice; give each {what} once")
        out[key] = value
    return out


def unknown_finding_error(name: object, kb: KnowledgeBase) -> InvalidCaseError:
    """The error for a finding id that does not exist, with the closest valid one suggested."""
    # A long name is no misspelt finding id; comparing it would cost seconds for nothing.
    close = difflib.get_close_matches(str(name), kb.finding_ids, n=1, cutoff=0.5) if len(str(name)) < 100 else []
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return InvalidCaseError(
        f"unknown finding {shown(name)}{hint} (allowed: {', '.join(kb.finding_ids)})"
    )


def _bad(f: Finding, got: object) -> InvalidCaseError:
    if hasattr(got, "item") and type(got).__module__ == "numpy":
        got = got.item()  # show np.int64(3) as 3, the way the user wrote it
    text = format_exact(got) if isinstance(got, float) and math.isfinite(got) else shown(got)
    return InvalidCaseError(f"'{f.id}' must be {kind_of(f).allowed(f)} (got {text})")


class Kind:
    """What one kind of finding (yes/no, choice, number) does with values: encode, parse, decode, word.

    One instance per kind (:data:`KINDS`); :func:`kind_of` gives a finding's. A new kind of finding
    is a new subclass here, and every caller (cases, tables, CSV cells, the questionnaire, the page's
    spec) follows.
    """

    name = ""

    def encode(self, f: Finding, value: Any) -> float:
        """Encode a Python value that is not None; raises :class:`InvalidCaseError` when not allowed."""
        raise NotImplementedError

    def parse(self, f: Finding, word: str) -> float:
        """Encode typed text (already stripped, not an unknown word)."""
        raise NotImplementedError

    def decode(self, f: Finding, code: float) -> Any:
        """The user-facing value of a known code."""
        raise NotImplementedError

    def allowed(self, f: Finding) -> str:
        """What the finding accepts, in the words error messages use."""
        raise NotImplementedError

    def hint_words(self, f: Finding) -> str:
        """The allowed answers as a questionnaire says them, e.g. ``yes or no``."""
        raise NotImplementedError

    def normalise(self, f: Finding, text: str) -> str:
        """Typed text as the parser takes it (only choices change: "Spasm" typed means "spasm")."""
        return text

    def answer_error(self, f: Finding, text: str, tail: str) -> str:
        """Why typed text is no answer, in the question's own words, and what to type instead."""
        return f"{shown(text)} is not an answer to this question: please answer {self.hint_words(f)} {tail}"

    def words(self, f: Finding) -> dict[str, Any]:
        """The finding's words and limits as plain data, for the page's spec."""
        raise NotImplementedError

    # -- whole columns: a DataFrame's (``data.frame``) and a CSV's (``cli.case_input``) ----------
    # numpy is imported when a column is read: one case, and this module, need none.

    def column_word(self, f: Finding, word: str) -> float:
        """Encode a string found in a Python table's column (stripped, not an unknown word)."""
        return self.parse(f, word)

    def refused_numbers(self, f: Finding, numbers: "np.ndarray", *, booleans: bool = False) -> "np.ndarray":
        """The mask of the numbers a numeric column (NaN: unknown) may not give; ``booleans``: it held bools."""
        raise NotImplementedError

    def encode_objects(
        self, f: Finding, values: Sequence[Any], missing: "np.ndarray"
    ) -> tuple["np.ndarray", "np.ndarray"]:
        """A column of Python objects, each cell on its own: (encoded values, mask of the refused cells).

        ``missing`` marks the cells that are unknown already (pandas' missing marker); blank text
        (``''``, ``'?'``) is marked there too. Text is read by :meth:`column_word`, each distinct
        text once; any other value by :meth:`encode`.
        """
        import numpy as np

        read = _TextCells(f, self.column_word)
        out = np.full(len(values), np.nan)
        bad = np.zeros(len(values), dtype=bool)
        for pos, value in enumerate(values):
            if missing[pos]:
                continue
            if isinstance(value, str):
                out[pos] = read[value]
                if value in read.messages:
                    bad[pos] = True
                elif math.isnan(out[pos]):
                    missing[pos] = True
                continue
            try:
                out[pos] = self.encode(f, value.item() if isinstance(value, np.generic) else value)
            except InvalidCaseError:
                bad[pos] = True
        return out, bad

    def encode_cells(self, f: Finding, cells: Sequence[str], errors: dict[int, list[str]]) -> "np.ndarray":
        """A column of typed text (a CSV's cells), each cell read as :func:`parse_text` reads it.

        Each distinct text is read once; a refused cell is NaN and its message is added to its
        row's in ``errors``.
        """
        import numpy as np

        read = _TextCells(f, self.parse)
        values = np.fromiter(map(read.__getitem__, cells), dtype=np.float64, count=len(cells))
        if read.messages:
            bad = read.messages
            for pos, text in enumerate(cells):
                if text in bad:
                    errors.setdefault(pos, []).append(bad[text])
        return values

    def column_error(self, f: Finding, value: Any) -> str:
        """The message for a value a column refused: as one case's, or what the finding allows."""
        import numpy as np

        try:
            if isinstance(value, str):
                parse_text(f, value)
            else:
                encode_value(f, value.item() if isinstance(value, np.generic) else value)
        except InvalidCaseError as exc:
            return str(exc)
        # Accepted as one case's value yet refused in a column: a column's own rule (refused_numbers,
        # column_word) said no.
        return f"'{f.id}' must be {self.allowed(f)} (got {value!r})"


class _TextCells(dict):
    """Cell text -> encoded value for one finding, each distinct text read once, when first met.

    ``read_word(f, word)`` reads a stripped text that is no unknown word; a refused text is NaN
    and its message is kept in ``messages``.
    """

    def __init__(self, f: Finding, read_word: Callable[[Finding, str], float]):
        super().__init__()
        self.f = f
        self.read_word = read_word
        self.messages: dict[str, str] = {}

    def __missing__(self, text: str) -> float:
        word = text.strip()
        try:
            value = NAN if word in UNKNOWN_WORDS else self.read_word(self.f, word)
        except InvalidCaseError as exc:
            self.messages[text] = str(exc)
            value = NAN
        self[text] = value
        return value


class YesNoKind(Kind):
    name = YES_NO

    def encode(self, f: Finding, value: Any) -> float:
        # bool is checked by type: 1 and 0 are numbers, not answers to a yes/no question.
        if _is_bool(value):
            return 1.0 if value else 0.0
        raise _bad(f, value)

    def parse(self, f: Finding, word: str) -> float:
        try:
            return _TRUE_WORDS[word.lower()]
        except KeyError:
            raise _bad(f, word) from None

    def decode(self, f: Finding, code: float) -> Any:
        return bool(code)

    def allowed(self, f: Finding) -> str:
        return "true or false (yes/no)"

    def hint_words(self, f: Finding) -> str:
        return "yes or no"

    def refused_numbers(self, f: Finding, numbers: "np.ndarray", *, booleans: bool = False) -> "np.ndarray":
        import numpy as np

        # A numeric column may hold the contract's 1.0/0.0 (generated datasets do), nothing else.
        return ~np.isnan(numbers) & (numbers != 0.0) & (numbers != 1.0)

    def words(self, f: Finding) -> dict[str, Any]:
        return {"yes": f.yes, "no": f.no}


class ChoiceKind(Kind):
    name = CHOICE

    def encode(self, f: Finding, value: Any) -> float:
        if isinstance(value, str) and value in f.choices:
            return float(f.choices.index(value))
        raise _bad(f, value)

    def parse(self, f: Finding, word: str) -> float:
        # Typed text matches a choice whatever its case, as yes/no does ("Twitch", "SPASM");
        # the Python API keeps the contract's exact values.
        folded = word.casefold()
        return self.encode(f, next((c for c in f.choices if c.casefold() == folded), word))

    def decode(self, f: Finding, code: float) -> Any:
        return f.choices[int(code)]

    def allowed(self, f: Finding) -> str:
        return "one of " + ", ".join(f"'{c}'" for c in f.choices)

    def hint_words(self, f: Finding) -> str:
        return " or ".join(f.choices)

    def normalise(self, f: Finding, text: str) -> str:
        return text.lower() if text.lower() in f.choices else text

    def column_word(self, f: Finding, word: str) -> float:
        # A table is the Python API: the contract's exact values, as for one case (typed text folds case).
        return self.encode(f, word)

    def refused_numbers(self, f: Finding, numbers: "np.ndarray", *, booleans: bool = False) -> "np.ndarray":
        import numpy as np

        return ~np.isnan(numbers)  # choices are words: no number is one

    def words(self, f: Finding) -> dict[str, Any]:
        return {"choices": list(f.choices), "choice_text": dict(f.choice_text)}


class NumberKind(Kind):
    name = NUMBER

    def encode(self, f: Finding, value: Any) -> float:
        if type(value) is float:  # the common case, without the abstract-class checks below
            number = value
        else:
            if _is_bool(value) or not isinstance(value, Real):
                raise _bad(f, value)
            try:
                number = float(value)
            except OverflowError:  # an int with hundreds of digits
                raise _bad(f, value) from None
        if math.isnan(number) or math.isinf(number):
            raise InvalidCaseError(
                f"'{f.id}' must be {kind_of(f).allowed(f)} (got {number!r}); "
                "leave the finding out or give null/None when it is unknown"
            )
        if not f.min <= number <= f.max:
            raise _bad(f, number)
        return number

    def parse(self, f: Finding, word: str) -> float:
        number = read_number(word)
        if number is None:
            if word.lower().lstrip("+-") in ("nan", "inf", "infinity"):
                return self.encode(f, float(word))  # says how to give an unknown value
            raise _bad(f, word)
        return self.encode(f, number)

    def decode(self, f: Finding, code: float) -> Any:
        return int(code) if float(code).is_integer() else code

    def allowed(self, f: Finding) -> str:
        return f"a number from {format_number(f.min)} to {format_number(f.max)}"

    def hint_words(self, f: Finding) -> str:
        # "0-10 out of 10" says the range twice; such questions already give their scale.
        unit = "" if f.unit.startswith("out of") else f" {f.unit}"
        return f"number, {format_number(f.min)}-{format_number(f.max)}{unit}"

    def refused_numbers(self, f: Finding, numbers: "np.ndarray", *, booleans: bool = False) -> "np.ndarray":
        import numpy as np

        known = ~np.isnan(numbers)
        if booleans:  # True answers a yes/no question; it is no number (encode refuses it too)
            return known
        with np.errstate(invalid="ignore"):
            return known & ~((numbers >= f.min) & (numbers <= f.max))

    def wanted(self, f: Finding) -> str:
        return f"a number from {format_number(f.min)} to {format_number(f.max)} {f.unit}".rstrip()

    def answer_error(self, f: Finding, text: str, tail: str) -> str:
        wanted = self.wanted(f)
        number = read_number(text.strip())  # the reader parse uses: "٥" and "1_0" are no numbers here either
        if number is None:
            if text.strip().lower().lstrip("+-") in ("nan", "inf", "infinity"):
                return f"{shown(text)} is not a number one can have: please answer {wanted} {tail}"
            return f"{shown(text)} is not a number: please answer {wanted} {tail}"
        side = f"less than {format_number(f.min)}" if number < f.min else f"more than {format_number(f.max)}"
        unit = f" {f.unit}" if f.unit else ""
        return f"{format_exact(number)} is {side}{unit}: please answer {wanted} {tail}"

    def words(self, f: Finding) -> dict[str, Any]:
        return {"min": f.min, "max": f.max, "step": f.step, "unit": f.unit, "describe": f.describe,
                # what the page says under a number box that holds no allowed number
                "entry_error": f"Please give a number from {format_number(f.min)} to {format_number(f.max)} "
                               f"({f.unit}), or choose Don\u2019t know."}


KINDS: dict[str, Kind] = {k.name: k for k in (YesNoKind(), ChoiceKind(), NumberKind())}


def kind_of(f: Finding) -> Kind:
    """The :class:`Kind` of finding ``f``."""
    return KINDS[f.type]


def encode_value(f: Finding, value: Any) -> float:
    """Encode one Python value given for finding ``f``; ``None`` is unknown (NaN)."""
    if value is None:
        return NAN
    return KINDS[f.type].encode(f, value)


def parse_text(f: Finding, text: str) -> float:
    """Encode a value typed as text (command line, CSV cell, questionnaire); '' or '?' is unknown."""
    word = text.strip()
    if word in UNKNOWN_WORDS:
        return NAN
    return KINDS[f.type].parse(f, word)


def contradiction_message(finding: str, parent: str, wanted: bool) -> str:
    """The error for a follow-up finding given while the case denies its precondition."""
    return (
        f"'{finding}' applies only when '{parent}' is {str(wanted).lower()}, "
        f"but this case gives '{parent}' as {str(not wanted).lower()}; "
        f"leave '{finding}' out or correct '{parent}'"
    )


def check_requirements(kb: KnowledgeBase, encoded: Mapping[str, float]) -> None:
    """Reject follow-up findings whose precondition the same case denies.

    ``hours_after_workout`` only means something after a recent arm workout; a case that says
    there was none and still gives hours contradicts itself, and no answer to it is honest.
    """
    for fid, parent, wanted in _follow_ups(kb):
        value, parent_value = encoded.get(fid, NAN), encoded.get(parent, NAN)
        if not math.isnan(value) and not math.isnan(parent_value) and bool(parent_value) != bool(wanted):
            raise InvalidCaseError(contradiction_message(fid, parent, wanted))


@lru_cache(maxsize=8)
def _follow_ups(kb: KnowledgeBase) -> tuple[tuple[str, str, bool], ...]:
    """(finding, parent, wanted) for every follow-up finding, in knowledge-base order."""
    return tuple((fid, parent, wanted) for fid, f in kb.findings.items() for parent, wanted in f.requires.items())


def denied_follow_ups(X: Any, kb: KnowledgeBase) -> Any:
    """``(row, message)`` for each row of an encoded matrix that gives a follow-up while denying its
    precondition, in knowledge-base order: the table's form of :func:`check_requirements`.

    For the table readers (a DataFrame, a CSV block); numpy is imported only here, as ``X`` is one.
    """
    import numpy as np

    ids = kb.finding_ids
    for fid, parent, wanted in _follow_ups(kb):
        j, p = ids.index(fid), ids.index(parent)
        denied = ~np.isnan(X[:, j]) & (X[:, p] == (0.0 if wanted else 1.0))
        for pos in np.flatnonzero(denied).tolist():
            yield pos, contradiction_message(fid, parent, wanted)


def imply_parent_columns(X: Any, kb: KnowledgeBase) -> None:
    """Set, in an encoded matrix, the precondition each follow-up given alone implies: the table's
    form of :func:`imply_parents`. Call after :func:`denied_follow_ups` (a denied parent is an error)."""
    import numpy as np

    ids = kb.finding_ids
    for fid, parent, wanted in _follow_ups(kb):
        j, p = ids.index(fid), ids.index(parent)
        X[~np.isnan(X[:, j]) & np.isnan(X[:, p]), p] = 1.0 if wanted else 0.0


def imply_parents(kb: KnowledgeBase, encoded: dict[str, float]) -> dict[str, float]:
    """Set the precondition a follow-up answer implies: hours after a workout mean there was one.

    The exact posterior counts the parent's yes then; the tree never saw a follow-up without
    its parent in training, so it must see the parent too or it walks as if the answer meant
    nothing. Call after :func:`check_requirements` (a denied parent is an error, not implied).

    Examples
    --------
    >>> from bicep_twitch.core.knowledge import load_knowledge
    >>> imply_parents(load_knowledge(), {"hours_after_workout": 2.0})
    {'hours_after_workout': 2.0, 'recent_arm_workout': 1.0}
    """
    for fid, parent, wanted in _follow_ups(kb):
        if not math.isnan(encoded.get(fid, NAN)) and math.isnan(encoded.get(parent, NAN)):
            encoded[parent] = 1.0 if wanted else 0.0
    return encoded


def encode_case(case: Any, kb: KnowledgeBase, *, strings_as_text: bool = False) -> list[float]:
    """Check a case (a mapping of finding id to value) and return its encoded row.

    With ``strings_as_text`` a string value is read as typed text (``"7"``, ``"yes"``, ``"?"``
    for unknown), as the contract allows for a case given on the command line.

    Raises
    ------
    InvalidCaseError
        Naming the finding, the value received and what is allowed.
    """
    if type(case) is not dict and not isinstance(case, Mapping):
        raise InvalidCaseError(
            f"a case must be a mapping of finding ids to values, e.g. {{\"movement\": \"spasm\"}} "
            f"(got {type(case).__name__})"
        )
    findings = kb.findings
    encoded: dict[str, float] = {}
    for name, value in case.items():
        f = findings.get(name) if isinstance(name, str) else None
        if f is None:
            raise unknown_finding_error(name, kb)
        encoded[name] = parse_text(f, value) if strings_as_text and isinstance(value, str) else encode_value(f, value)
    check_requirements(kb, encoded)
    imply_parents(kb, encoded)
    return [encoded.get(fid, NAN) for fid in findings]


def decode_value(f: Finding, code: float) -> Any:
    """The user-facing value of an encoded one (inverse of :func:`encode_value`)."""
    if math.isnan(code):
        return None
    return KINDS[f.type].decode(f, code)


__all__ = [
    "Kind",
    "KINDS",
    "kind_of",
    "encode_case",
    "encode_value",
    "parse_text",
    "decode_value",
    "check_requirements",
    "imply_parents",
    "denied_follow_ups",
    "imply_parent_columns",
    "unknown_finding_error",
    "contradiction_message",
    "read_number",
    "shown",
    "unique_keys",
]
