"""Free text to findings: read a description of a twitching biceps in the contract's ids.

``parse_description("34M, bicep twitching for two months, no weakness, on prednisone")`` gives the
case ``{"age_years": 34, "movement": "twitch", "duration_days": 60, "weakness": False,
"takes_corticosteroid": True}`` and, for each finding, the words it was read from.

The words are data (``knowledge/vocabulary.json``: patterns per finding, negation and hedge cues,
number words, units, the medicine lexicon with a source per class), so that every runtime reads
the same rules; this module only applies them. Its stance: a misread is worse than an unread.
A finding under a hedge ("maybe", "I think") stays unknown, a negated one reads "no", a finding
read two ways stays unknown, and every value must be on the finding's range and grid (a value
outside its range is not read; the notes say what was seen and left out, and why).

Pure Python: nothing here imports numpy.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Mapping

from .._errors import InvalidCaseError
from .cases import UNKNOWN_WORDS, kind_of, read_number, shown
from .knowledge import CHOICE, KNOWLEDGE_DIR, NUMBER, YES_NO, Finding, load_knowledge
from .numbers import format_number

VOCABULARY_FILE = KNOWLEDGE_DIR / "vocabulary.json"
VOCABULARY_FORMAT = 1
MAX_TEXT_CHARS = 10_000  # a description, not a document: longer text is refused, never cut
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Evidence:
    """One finding read from a description: its value and the words (``text[start:end]``) it came from."""

    finding: str
    value: Any
    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"finding": self.finding, "value": self.value, "start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True)
class Description:
    """What :func:`parse_description` read.

    Attributes
    ----------
    case : dict
        Finding id -> value, in the contract's types, ready for ``Predictor.predict`` (the ids the
        loaded knowledge base does not know yet are dropped by :meth:`case_for`).
    evidence : tuple of Evidence
        One entry per finding in ``case``, in the order of the text.
    notes : tuple of str
        What was seen but left unknown, and why (a hedge, a conflict, a value out of range), and
        values snapped to a finding's grid.
    """

    text: str
    case: dict[str, Any]
    evidence: tuple[Evidence, ...]
    notes: tuple[str, ...] = field(default=())

    def case_for(self, finding_ids) -> tuple[dict[str, Any], list[str]]:
        """The part of ``case`` a knowledge base with ``finding_ids`` can use, and the ids left out."""
        known = set(finding_ids)
        return ({k: v for k, v in self.case.items() if k in known},
                [k for k in self.case if k not in known])

    def read_lines(self) -> list[str]:
        """One line per finding read: ``weakness: no ("no weakness")``."""
        return [f"{e.finding}: {_shown_value(e.value)} ({json.dumps(e.text, ensure_ascii=False)})" for e in self.evidence]

    def to_dict(self) -> dict[str, Any]:
        return {"case": dict(self.case), "evidence": [e.to_dict() for e in self.evidence], "notes": list(self.notes)}


def _shown_value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return format_number(value)
    return str(value)


def parse_description(text: str, *, today: _dt.date | None = None) -> Description:
    """Read the findings a description states, each with the words it was read from.

    Parameters
    ----------
    text : str
        A description in a person's own words, e.g. "bicep twitching for 3 weeks, no weakness".
    today : datetime.date, optional
        The date relative durations count from ("since Friday"); default the local date.

    Returns
    -------
    Description
        ``case`` (finding id -> value), ``evidence`` and ``notes``. A text that states no finding
        gives an empty case.

    Raises
    ------
    TypeError
        ``text`` is not a string, or ``today`` not a date.
    ValueError
        ``text`` is longer than 10,000 characters.

    Examples
    --------
    >>> d = parse_description("bicep twitching for 3 weeks, 5 coffees a day, no weakness, on prednisone")
    >>> d.case
    {'movement': 'twitch', 'duration_days': 21, 'caffeine_cups_per_day': 5, 'weakness': False, 'takes_corticosteroid': True}
    >>> [(e.finding, e.text) for e in d.evidence][:2]
    [('movement', 'twitching'), ('duration_days', 'for 3 weeks')]
    >>> parse_description("hello").case
    {}
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_description: 'text' must be a string (got {type(text).__name__})")
    if len(text) > MAX_TEXT_CHARS:
        raise ValueError(f"parse_description: 'text' must be at most {MAX_TEXT_CHARS:,} characters (got {len(text):,})")
    if today is None:
        today = _dt.date.today()
    elif not isinstance(today, _dt.date):
        raise TypeError(f"parse_description: 'today' must be a datetime.date (got {type(today).__name__})")
    return _Reader(_vocabulary(), text, today, _close_word).read()



def read_answer(finding: Finding, text: str, *, tail: str = "", today: _dt.date | None = None) -> Any:
    """One typed answer to the question of ``finding``, read by the description's rules.

    A yes/no question takes the vocabulary's answer words ("y", "nope"); a choice any case
    ("Spasm"); a number question a plain number, an amount in words ("a couple"), a range (its
    midpoint), the finding's own amount words ("5 cups", "2 litres") and, for a question in time,
    a number with a duration unit ("3 weeks", "half a day"), converted to the question's unit.
    Anything else is read as a description restricted to this finding ("prednisone" answers the
    corticosteroid question), so a typed answer and a description never read the same words two ways.

    Parameters
    ----------
    finding : Finding
        The finding asked.
    text : str
        What the person typed; "" or "?" is "don't know".
    tail : str
        Appended to an error message (what else may be typed at that prompt).
    today : datetime.date, optional
        As :func:`parse_description`.

    Returns
    -------
    bool, str, float or None
        The value in the contract's type; None for "don't know". A number is not snapped to the
        finding's grid: a typed value is meant as typed.

    Raises
    ------
    InvalidCaseError
        The answer is not one this question takes: the message names what was typed and what is
        allowed (a unit of the wrong kind, "3 kg" to a question in days, is named as such).

    Examples
    --------
    >>> from bicep_twitch.core.knowledge import load_knowledge
    >>> kb = load_knowledge()
    >>> read_answer(kb.findings["duration_days"], "3 weeks"), read_answer(kb.findings["weakness"], "N")
    (21.0, False)
    >>> read_answer(kb.findings["caffeine_cups_per_day"], "5 cups a day")
    5.0
    >>> read_answer(kb.findings["duration_days"], "3 kg")
    Traceback (most recent call last):
    bicep_twitch._errors.InvalidCaseError: '3 kg': 'kg' is not a unit of this question: please answer a number from 0 to 3650 days, or a number with hours, days, weeks, fortnights, months or years
    """
    if not isinstance(text, str):
        raise TypeError(f"read_answer: 'text' must be a string (got {type(text).__name__})")
    word = text.strip()
    if word in UNKNOWN_WORDS:
        return None
    if len(word) > MAX_TEXT_CHARS:
        raise InvalidCaseError(kind_of(finding).answer_error(finding, word, tail).rstrip())
    low = " ".join(word.lower().split()).replace("\u2019", "'").replace("\u2018", "'")
    v = _vocabulary()
    if finding.type == YES_NO:
        if low in v.answer_yes or low in v.answer_no:
            return low in v.answer_yes
    elif finding.type == CHOICE:
        if low in finding.choices:
            return low
    else:
        number = read_number(word)
        if number is None:
            number = _typed_amount(v, finding, low, word, tail, today or _dt.date.today())
        if number is not None:
            if not finding.min <= number <= finding.max:
                side = f"less than {format_number(finding.min)}" if number < finding.min else f"more than {format_number(finding.max)}"
                said = format_number(round(number, 4))
                raise InvalidCaseError((f"{said} is {side} {finding.unit}" if said == word else
                                        f"{shown(word)} is {said} {finding.unit}, {side} {finding.unit}")
                                       + f": please answer {kind_of(finding).wanted(finding)} {tail}".rstrip())
            return number
    read = parse_description(word, today=today)
    if finding.id in read.case:
        return read.case[finding.id]
    raise InvalidCaseError(kind_of(finding).answer_error(finding, word, tail).rstrip())


def _typed_amount(v: "_Vocabulary", f: Finding, low: str, word: str, tail: str, today: _dt.date) -> float | None:
    """An amount typed to a number question, in its unit; None when the text starts with no amount."""
    reader = _Reader(v, low, today, _close_word)
    s = reader.s
    m = v.amount.match(s)
    value = reader._amount(m.group(1)) if m else None
    if value is None:
        return None
    rest = m.group(2).strip()
    if not rest:
        return value
    days = v.time_unit_days.get(f.id)
    factor = next((x for u, x in v.duration_units if u.fullmatch(rest)), None)
    if days is not None and factor is not None:
        return value * factor / days
    for rule in v.rules:  # the finding's own amount words: "5 cups", "2 litres", "7/10"
        if rule.finding != f.id or rule.kind not in ("amount", "age"):
            continue
        hit = rule.regex.match(s)
        if hit is None:
            continue
        amount = reader._amount(hit.group(1)) if rule.kind == "amount" else float(hit.group(1))
        end, per = reader._period(hit.end(), f.id) if rule.daily else (hit.end(), 1.0)
        if amount is not None and per is not None and not s[end:].strip():
            return amount * rule.factor * per
    units = (", or a number with " + _or_list([u.pattern.split("|")[0].replace("?", "") for u, _ in v.duration_units])
             if days is not None else "")
    unit = rest.split()[0] if rest.split() else rest
    raise InvalidCaseError(f"{shown(word)}: {shown(unit)} is not a unit of this question: please answer "
                           f"{kind_of(f).wanted(f)}{units} {tail}".rstrip())


def _or_list(words: list[str]) -> str:
    return ", ".join(words[:-1]) + " or " + words[-1] if len(words) > 1 else "".join(words)


def reader_data(kb=None) -> dict[str, Any]:
    """What another runtime needs to read as :func:`parse_description` does, as plain data.

    The vocabulary as written, and each number finding's ``[min, max, step]`` from the knowledge
    base (values are checked against the range and snapped to the grid). The page embeds it
    beside its spec; ``draw/explorer/describe.js`` applies the same rules to it.
    """
    kb = kb if kb is not None else load_knowledge()
    return {
        "vocabulary": json.loads(VOCABULARY_FILE.read_text(encoding="utf-8")),
        "grids": {fid: [f.min, f.max, f.step] for fid, f in kb.findings.items() if f.type == NUMBER},
    }

# --- the vocabulary, compiled once -------------------------------------------------------------


class VocabularyError(ValueError):
    """The vocabulary file is malformed; the message names the entry."""


@dataclass(frozen=True)
class _Rule:
    """One pattern of a finding and what a match of it reads."""

    finding: str
    kind: str  # yes, no, negated_only, choice, amount, zero, zero_phrase, duration, relative, age
    regex: re.Pattern
    value: Any = None
    factor: float = 1.0
    needs_in_sentence: re.Pattern | None = None
    needs_movement_in_clause: bool = False
    daily: bool = False  # an amount a day: a period after it ("a week") scales it
    unclear_with: re.Pattern | None = None  # in a clause with these words the finding is left unknown


@dataclass(frozen=True)
class _Vocabulary:
    rules: tuple[_Rule, ...]
    types: Mapping[str, str]  # finding -> "yes/no", "choice" or "number"
    grids: Mapping[str, tuple[float, float, float]]  # number finding -> (min, max, step)
    sentence_breaks: re.Pattern
    clause_breaks: re.Pattern
    negation_cues: re.Pattern
    negation_after: re.Pattern
    max_gap_words: int
    zero_gap: re.Pattern
    resolved_after: re.Pattern
    list_joiner: re.Pattern
    hedges: re.Pattern
    number_values: Mapping[str, float]
    range_joiner: re.Pattern
    duration_units: tuple[tuple[re.Pattern, float], ...]
    periods: tuple[tuple[re.Pattern, float], ...]
    unread_period: re.Pattern
    bare_amount: re.Pattern
    topics: tuple[tuple[str, re.Pattern], ...]
    movement: str
    duration_anchor: re.Pattern
    onset: tuple[str, str, tuple[tuple[str, re.Pattern], ...]]  # (finding, parent, choices)
    parts: re.Pattern
    parts_adding: re.Pattern
    parts_not_after: re.Pattern
    parts_not_before: re.Pattern
    medicine_classes: tuple[str, ...]
    medicine_names: tuple[tuple[str, re.Pattern], ...]
    medicine_none: tuple[re.Pattern, ...]
    medicine_only: tuple[re.Pattern, ...]
    medicine_past: re.Pattern
    stopped: tuple[str, str]  # (the stopped-drinking finding, the amount it voids a zero of)
    spelling_words: frozenset[str]
    spelling_min: int
    spelling_cutoff: float
    amount: re.Pattern  # a whole typed answer: an amount, then any words after it (group 2)
    answer_yes: frozenset[str]
    answer_no: frozenset[str]
    time_unit_days: Mapping[str, float]  # a question in time -> its unit's length in days


@lru_cache(maxsize=2)
def _vocabulary(path: Path = VOCABULARY_FILE) -> _Vocabulary:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise VocabularyError(f"{path} is not valid JSON: {exc}") from None
    if raw.get("format_version") != VOCABULARY_FORMAT:
        raise VocabularyError(f"vocabulary 'format_version' must be {VOCABULARY_FORMAT} (got {raw.get('format_version')!r})")
    try:
        return _compile(raw)
    except (KeyError, TypeError, re.error) as exc:
        raise VocabularyError(f"{path} is malformed: {exc!r}") from None


def _words_regex(words) -> str:
    """An alternation of words or phrases, longest first, as whole words."""
    return r"\b(?:" + "|".join(sorted(words, key=len, reverse=True)) + r")\b"


def _compile(raw: Mapping[str, Any]) -> _Vocabulary:
    kb = load_knowledge()
    numbers = raw["numbers"]
    number_values = {**{k: float(v) for k, v in numbers["words"].items()}, **{k: float(v) for k, v in numbers["rough"].items()}}
    tens = [w for w, x in numbers["words"].items() if x >= 20 and x < 100 and x % 10 == 0]
    units_words = [w for w, x in numbers["words"].items() if 1 <= x <= 9]
    compound = rf"\b(?:{'|'.join(tens)})[- ](?:{'|'.join(units_words)})\b"  # "twenty-five", "twenty five"
    one = (r"(?:(?<![\d.])\d+(?:\.\d+)?|" + compound + "|"
           + _words_regex([re.escape(w) for w in number_values])[2:] + ")")
    range_joiner = numbers["range_joiners"]
    num = numbers["fillers"] + rf"((?:from\s+)?{one}(?:{range_joiner}{one})?)"
    units = raw["units"]
    unit = "(" + "|".join(units["duration_days"]) + ")"
    periods = tuple((re.compile(r"^\s*(?:" + k + r")"), float(v)) for k, v in units["per_day"].items())

    def pattern(text: str) -> re.Pattern:
        return re.compile(text.replace("{num}", num).replace("{unit}", unit))

    rules: list[_Rule] = []
    types: dict[str, str] = {}
    findings = raw["findings"]
    movement = "movement"
    for fid, spec in findings.items():
        if "choices" in spec and fid != "weakness_onset":
            types[fid] = "choice"
            for choice, patterns in spec["choices"].items():
                rules += [_Rule(fid, "choice", re.compile(r"\b(?:" + p + ")"), choice) for p in patterns]
        elif "amounts" in spec or "durations" in spec or "ages" in spec or "zero_phrases" in spec:
            types[fid] = NUMBER
            for a in spec.get("amounts", ()):
                needs = re.compile(a["needs_in_sentence"]) if "needs_in_sentence" in a else None
                rules.append(_Rule(fid, "amount", pattern(r"(?<![\w.])" + a["pattern"]), factor=float(a["factor"]),
                                   needs_in_sentence=needs, daily=bool(spec.get("daily"))))
            rules += [_Rule(fid, "zero", re.compile(r"\b(?:" + p + ")"), 0) for p in spec.get("zero", ())]
            rules += [_Rule(fid, "zero_phrase", re.compile(r"\b(?:" + p + ")"), 0) for p in spec.get("zero_phrases", ())]
            rules += [_Rule(fid, "duration", pattern(r"\b" + p)) for p in spec.get("durations", ())]
            for p, value in spec.get("relative", {}).items():
                rules.append(_Rule(fid, "relative", re.compile(r"\b(?:" + p + r")\b"), value))
            rules += [_Rule(fid, "age", re.compile(p)) for p in spec.get("ages", ())]
        elif fid != "weakness_onset":
            types[fid] = "yes/no"
            unclear = re.compile(r"\b(?:" + spec["unclear_with"] + ")") if "unclear_with" in spec else None
            for kind in ("yes", "no", "negated_only"):
                for p in spec.get(kind, ()):
                    if isinstance(p, dict):
                        rules.append(_Rule(fid, kind, re.compile(r"\b(?:" + p["pattern"] + ")"), kind == "yes",
                                           needs_movement_in_clause=p["needs_in_clause"] == movement,
                                           unclear_with=unclear))
                    else:
                        rules.append(_Rule(fid, kind, re.compile(r"\b(?:" + p + ")"), kind == "yes",
                                           unclear_with=unclear))
    onset_spec = findings["weakness_onset"]
    types["weakness_onset"] = "choice"
    onset = ("weakness_onset", onset_spec["with"],
             tuple((c, re.compile(r"\b(?:" + p + r")\b")) for c, p in onset_spec["choices"].items()))
    topics = tuple((fid, re.compile(r"\b(?:" + spec["topic"] + ")")) for fid, spec in findings.items() if "topic" in spec)
    per_day_words = "|".join(units["per_day"])
    meds = raw["medicines"]
    medicine_names = []
    for fid, spec in meds["classes"].items():
        if "source" not in spec or not spec["names"]:
            raise VocabularyError(f"vocabulary medicines.classes.{fid} needs names and a source")
        types[fid] = "yes/no"
        names = re.compile(_words_regex(spec["names"]))
        medicine_names.append((fid, names))
        rules.append(_Rule(fid, "yes", names, True))
        rules += [_Rule(fid, "negated_only", re.compile(_words_regex([p])), False) for p in spec.get("negated_only", ())]
    parts_spec = findings["other_muscles_affected"]
    for fid, kind in types.items():
        if fid in kb.findings and kb.findings[fid].type != kind:
            raise VocabularyError(f"vocabulary finding {fid!r} is read as {kind} but the knowledge base says "
                                  f"{kb.findings[fid].type}")
        if kind == "choice" and fid in kb.findings:
            read = {r.value for r in rules if r.finding == fid} or {c for c, _ in onset[2] if fid == onset[0]}
            if not read <= set(kb.findings[fid].choices):
                raise VocabularyError(f"vocabulary finding {fid!r} reads {sorted(read)}; the knowledge base allows "
                                      f"{list(kb.findings[fid].choices)}")
    grids = {fid: (f.min, f.max, f.step) for fid, f in kb.findings.items() if f.type == NUMBER}
    missing = [fid for fid, kind in types.items() if kind == NUMBER and fid not in grids]
    if missing:
        raise VocabularyError(f"vocabulary number findings {missing} are not in the knowledge base (no range or grid)")
    neg = raw["negation"]
    spelling = raw["spelling"]
    single = {w for names in (spec["names"] for spec in meds["classes"].values()) for w in names if re.fullmatch(r"[a-z]+", w)}
    return _Vocabulary(
        rules=tuple(rules),
        types=types,
        grids=grids,
        sentence_breaks=re.compile(raw["clauses"]["sentence_breaks"]),
        clause_breaks=re.compile(raw["clauses"]["clause_breaks"]),
        negation_cues=re.compile(_words_regex(neg["cues"])),
        negation_after=re.compile(neg["after"]),
        max_gap_words=int(neg["max_gap_words"]),
        zero_gap=re.compile(neg["zero_gap"]),
        resolved_after=re.compile(neg["resolved_after"]),
        list_joiner=re.compile(neg["list_joiners"]),
        hedges=re.compile(_words_regex(raw["hedges"])),
        number_values=number_values,
        range_joiner=re.compile(range_joiner),
        duration_units=tuple((re.compile(k), float(v)) for k, v in units["duration_days"].items()),
        periods=periods,
        unread_period=re.compile(units["unread_period"]),
        bare_amount=re.compile(r"(?<![\w.])" + num + r"\s*(?=(?:" + per_day_words + r"))"),
        topics=topics,
        movement=movement,
        duration_anchor=re.compile(findings["duration_days"]["anchors"]),
        onset=onset,
        parts=re.compile(parts_spec["parts"]),
        parts_adding=re.compile(parts_spec["parts_adding"]),
        parts_not_after=re.compile(parts_spec["parts_not_after"]),
        parts_not_before=re.compile(parts_spec["parts_not_before"]),
        medicine_classes=tuple(meds["classes"]),
        medicine_names=tuple(medicine_names),
        medicine_none=tuple(re.compile(r"\b(?:" + p + ")") for p in meds["none"]),
        medicine_only=tuple(re.compile(r"\b(?:" + p + ")") for p in meds["only"]),
        medicine_past=re.compile(_words_regex(meds["past"])),
        stopped=("stopped_drinking_recently", findings["stopped_drinking_recently"]["voids_zero_of"]),
        spelling_words=frozenset(spelling["words"]) | frozenset(single),
        spelling_min=int(spelling["min_length"]),
        spelling_cutoff=float(spelling["cutoff"]),
        amount=re.compile(r"^" + num + r"\s*(.*)$"),
        answer_yes=frozenset(raw["answers"]["yes"]),
        answer_no=frozenset(raw["answers"]["no"]),
        time_unit_days={k: float(x) for k, x in raw["answers"]["time_unit_days"].items()},
    )


def _close_word(word: str, words: frozenset[str], cutoff: float) -> str | None:
    """The known word a misspelt ``word`` stands for (same first letter, similarity >= cutoff), else None."""
    candidates = [w for w in words if w[0] == word[0]]
    best = difflib.get_close_matches(word, candidates, n=1, cutoff=cutoff)
    return best[0] if best else None


# --- reading -----------------------------------------------------------------------------------


@dataclass
class _Hit:
    """A match of a rule, before negation, hedges and conflicts decide what it reads."""

    rule: _Rule
    start: int
    end: int
    value: Any = None
    negated: bool | None = False  # None: under a negation whose scope is unclear
    hedged: bool = False
    cue: int | None = None  # where the negation that reads it "no" starts, so the evidence quotes it
    follows: "_Hit | None" = None  # a body part takes the negation of the movement word it goes with


class _Reader:
    def __init__(self, vocab: _Vocabulary, text: str, today: _dt.date, close_word: Callable) -> None:
        self.v, self.text, self.today = vocab, text, today
        self.s, self.orig = self._normalise(text, close_word)
        self.notes: list[str] = []
        self.sentences = self._spans(vocab.sentence_breaks, 0, len(self.s))
        self.clauses = [c for a, b in self.sentences for c in self._spans(vocab.clause_breaks, a, b)]
        self.hedge_spans = [(m.start(), m.end()) for m in vocab.hedges.finditer(self.s)]

    # The text as the rules see it: lower case, one apostrophe, misspellings mended; ``orig`` maps
    # each of its positions back to the text, so evidence quotes the person's own words.
    def _normalise(self, text: str, close_word: Callable) -> tuple[str, list[int]]:
        chars = [c.lower() if len(c.lower()) == 1 else c for c in text]
        s = "".join(chars).replace("\u2019", "'").replace("\u2018", "'")
        v = self.v
        out, orig, pos = [], [], 0
        for m in re.finditer(r"[a-z]+", s):
            word = m.group()
            if len(word) < v.spelling_min or word in v.spelling_words:
                continue
            fixed = close_word(word, v.spelling_words, v.spelling_cutoff)
            if fixed is None or fixed == word:
                continue
            out.append(s[pos:m.start()])
            orig.extend(range(pos, m.start()))
            out.append(fixed)
            orig.extend([m.start()] * len(fixed))
            pos = m.end()
        out.append(s[pos:])
        orig.extend(range(pos, len(s)))
        orig.append(len(s))
        return "".join(out), orig

    def _spans(self, breaks: re.Pattern, a: int, b: int) -> list[tuple[int, int]]:
        spans, start = [], a
        for m in breaks.finditer(self.s, a, b):
            spans.append((start, m.start()))
            start = m.end()
        spans.append((start, b))
        return spans

    @staticmethod
    def _around(spans, pos: int) -> tuple[int, int]:
        for a, b in spans:
            if a <= pos < b or (a <= pos <= b and pos == b):
                return a, b
        return 0, 0

    def sentence(self, pos: int) -> tuple[int, int]:
        return self._around(self.sentences, pos)

    def clause(self, pos: int) -> tuple[int, int]:
        return self._around(self.clauses, pos)

    def quote(self, start: int, end: int) -> tuple[int, int, str]:
        a, b = self.orig[start], self.orig[end - 1] + 1 if end > start else self.orig[start]
        # A mended word maps every one of its characters to the word's first: extend to the word's end.
        while b < len(self.text) and self.text[b - 1].isalpha() and self.text[b].isalpha():
            b += 1
        return a, b, self.text[a:b]

    # --- matching ---

    def read(self) -> Description:
        hits = self._match()
        self._negate(hits)
        readings = self._readings(hits)
        readings += self._medicine_lists(readings)
        case, evidence = self._settle(readings)
        return Description(self.text, case, tuple(evidence), tuple(dict.fromkeys(self.notes)))

    def _match(self) -> list[_Hit]:
        v, s = self.v, self.s
        hits: list[_Hit] = []
        self.movement_at = [m.start() for r in v.rules if r.finding == v.movement for m in r.regex.finditer(s)]
        for rule in v.rules:
            for m in rule.regex.finditer(s):
                hit = self._hit(rule, m)
                if hit is not None:
                    hits.append(hit)
        hits += self._bare_amounts(hits)
        hits += self._other_parts([h for h in hits if h.rule.finding == v.movement])
        doubted = self._doubted_sentences()
        for h in hits:
            a, b = self.clause(h.start)
            h.hedged = self.sentence(h.start) in doubted or any(
                a <= hs < h.start or hs <= h.start < he or (h.end <= hs < b and not self.s[h.end:hs].strip(" ,"))
                for hs, he in self.hedge_spans)
        hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
        return hits

    def _doubted_sentences(self) -> set[tuple[int, int]]:
        """A sentence followed by one that is only a hedge ("my arm is weak? not sure.") is in doubt."""
        doubted = set()
        for prev, (a, b) in zip(self.sentences, self.sentences[1:]):
            words = self.s[a:b].strip(" ,-")
            if words and self.v.hedges.fullmatch(words):
                doubted.add(prev)
        return doubted

    def _in_movement_clause(self, pos: int) -> bool:
        a, b = self.clause(pos)
        return any(a <= p < b for p in self.movement_at)

    def _hit(self, rule: _Rule, m: re.Match) -> _Hit | None:
        kind, s = rule.kind, self.s
        start, end = m.start(), m.end()
        if rule.needs_in_sentence is not None:
            a, b = self.sentence(start)
            if not rule.needs_in_sentence.search(s, a, b):
                return None
        if rule.needs_movement_in_clause and not self._in_movement_clause(start):
            return None
        if rule.unclear_with is not None and rule.unclear_with.search(self.s, *self.clause(start)):
            self.notes.append(f"{rule.finding}: {s[start:end]!r} is said of training, soreness or tiredness; left unknown")
            return None
        if kind in ("yes", "no", "negated_only", "choice", "zero", "zero_phrase"):
            return _Hit(rule, start, end, rule.value)
        if kind == "amount":
            value = self._amount(m.group(1))
            if value is None:
                return None
            end, per = self._period(end, rule.finding) if rule.daily else (end, 1.0)
            if per is None:
                return None
            return _Hit(rule, start, end, value * rule.factor * per)
        if kind in ("duration", "relative"):
            if not self._anchored(start):
                return None
            if kind == "duration":
                value = self._amount(m.group(1))
                factor = next((f for u, f in self.v.duration_units if u.fullmatch(m.group(2))), None)
                if value is None or factor is None:
                    return None
                return _Hit(rule, start, end, value * factor)
            if rule.value == "weekday":
                day = WEEKDAYS.index(m.group(1))
                back = (self.today.weekday() - day) % 7 or 7
                return _Hit(rule, start, end, float(back))
            return _Hit(rule, start, end, float(rule.value))
        if kind == "age":
            return _Hit(rule, m.start(1), m.end(), float(m.group(1)))
        raise AssertionError(kind)

    def _anchored(self, pos: int) -> bool:
        """A duration belongs to the twitching only in a clause naming it, or one starting it."""
        if self._in_movement_clause(pos):
            return True
        a, b = self.clause(pos)
        sa, sb = self.sentence(pos)
        return bool(self.v.duration_anchor.match(self.s[a:b])) and any(sa <= p < sb for p in self.movement_at)

    def _amount(self, words: str) -> float | None:
        """The value of an amount: a number, a number word, a rough amount or a range."""
        words = words.strip()
        change = words.startswith("from ")
        if change:
            words = words[5:]
        whole = self._number_word(words)
        if whole is not None:  # "twenty-five" is one number, not a range
            return whole
        parts = [p.strip() for p in self.v.range_joiner.split(words) if p.strip()]
        values = []
        for p in parts:
            if re.fullmatch(r"\d+(?:\.\d+)?", p):
                values.append(float(p))
            elif self._number_word(p) is not None:
                values.append(self._number_word(p))
            else:
                return None
        if not values:
            return None
        if change:  # "from 8 to 2 cups": the amount now
            return values[-1]
        if len(values) == 2:
            return (values[0] + values[1]) / 2
        return values[0]

    def _number_word(self, words: str) -> float | None:
        """A number word or rough amount ("five", "a couple of"), or a compound ("twenty-five")."""
        table = self.v.number_values
        if words in table:
            return table[words]
        parts = re.split(r"[- ]", words)
        if len(parts) == 2 and table.get(parts[0], 0) >= 20 and 1 <= table.get(parts[1], 0) <= 9:
            return table[parts[0]] + table[parts[1]]
        return None

    def _period(self, end: int, finding: str) -> tuple[int, float | None]:
        """The per-day factor of an amount's period ("a week": 1/7), the end of its words, or None."""
        rest = self.s[end:end + 40]
        if self.v.unread_period.match(rest):
            self.notes.append(f"{finding}: an amount for a weekend, a night out or a month is not a daily average; not read")
            return end, None
        for regex, per in self.v.periods:
            m = regex.match(rest)
            if m:
                return end + m.end(), per
        return end, 1.0

    def _bare_amounts(self, hits: list[_Hit]) -> list[_Hit]:
        """'coffee, like 4 a day': an amount with no unit takes the nearest topic before it in the sentence."""
        taken = [(h.start, h.end) for h in hits if h.rule.kind == "amount"]
        out = []
        for m in self.v.bare_amount.finditer(self.s):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            sa, _ = self.sentence(m.start())
            best = None
            for fid, regex in self.v.topics:
                for t in regex.finditer(self.s, sa, m.start()):
                    if best is None or t.start() > best[1]:
                        best = (fid, t.start())
            if best is None:
                continue
            value = self._amount(m.group(1))
            if value is None:
                continue
            end, per = self._period(m.end(), best[0])
            if per is None:
                continue
            rule = _Rule(best[0], "amount", self.v.bare_amount, daily=True)
            out.append(_Hit(rule, m.start(), end, value * per))
        return out

    def _other_parts(self, movement: list[_Hit]) -> list[_Hit]:
        """Another body part with a movement word in its clause ("calves twitch too"): other muscles are affected.

        The part takes that word's negation ("no twitching in my legs" reads no). A clause that
        adds to the sentence ("also in my calves") takes the sentence's first movement word.
        """
        v, out = self.v, []
        rule = _Rule("other_muscles_affected", "yes", v.parts, True)
        for m in v.parts.finditer(self.s):
            sa, sb = self.sentence(m.start())
            if v.parts_not_after.search(self.s[sa:m.start()]) or v.parts_not_before.match(self.s[m.end():m.end() + 30]):
                continue
            ca, cb = self.clause(m.start())
            word = next((h for h in movement if ca <= h.start < cb), None)
            if word is None and v.parts_adding.search(self.s, ca, cb):
                word = next((h for h in movement if sa <= h.start < sb), None)
            if word is not None:
                out.append(_Hit(rule, m.start(), m.end(), True, follows=word))
        return out

    # --- negation ---

    def _negate(self, hits: list[_Hit]) -> None:
        """Mark each hit negated (True), not (False) or under a negation of unclear scope (None).

        A cue negates a finding that follows it closely in the same clause with no other finding
        between; a list joined by 'or'/'nor' carries the negation on ("no weakness or
        numbness"); a list joined by a comma or 'and' only when an 'or'/'nor' closes it, else the
        items after the first stay unknown rather than risk an inverted reading.
        """
        listed = [h for h in hits if h.rule.kind != "amount"]
        cue_ends = [(m.start(), m.end()) for m in self.v.negation_cues.finditer(self.s)
                    if not any(a <= m.start() < b for a, b in self.hedge_spans)]
        for h in hits:
            if h.follows is not None:
                continue
            h.cue = self._direct(h, hits, cue_ends)
            after = self.v.negation_after.match(self.s[h.end:h.end + 20])
            h.negated = h.cue is not None or bool(after)
            if after and h.cue is None:
                h.end += after.end()
        for h in hits:
            if h.follows is not None:
                h.negated = h.follows.negated
        for i, h in enumerate(listed):
            if h.negated or i == 0 or h.follows is not None:
                continue
            prev = listed[i - 1]
            if prev.end > h.start or self.sentence(prev.start) != self.sentence(h.start):
                continue
            joiner = self.v.list_joiner.match(self.s[prev.end:h.start])
            if not joiner or prev.negated is False:
                continue
            if joiner.group(1) in ("or", "nor", "/"):
                h.negated = prev.negated
            else:  # "no weakness, numbness" or "not weak and tingling": either reading is possible
                h.negated = True if self._closed_by_or(listed, i) else None

    def _direct(self, h: _Hit, hits: list[_Hit], cues: list[tuple[int, int]]) -> int | None:
        """Where the negation cue that governs ``h`` starts, or None."""
        sa, _ = self.sentence(h.start)
        before = [(a, b) for a, b in cues if sa <= a and b <= h.start]
        if not before:
            return None
        cue_start, cue_end = before[-1]
        gap = self.s[cue_end:h.start]
        if self.v.clause_breaks.search(gap) or len(gap.split()) > self.v.max_gap_words:
            return None
        if any(cue_end <= o.start and o.end <= h.start and o is not h for o in hits):
            return None
        if h.rule.kind == "zero" and not self.v.zero_gap.match(gap):
            return None  # "not a lot of coffee" is some coffee
        return cue_start

    def _closed_by_or(self, listed: list[_Hit], i: int) -> bool:
        for j in range(i + 1, len(listed)):
            joiner = self.v.list_joiner.match(self.s[listed[j - 1].end:listed[j].start])
            if not joiner or self.sentence(listed[j].start) != self.sentence(listed[i].start):
                return False
            if joiner.group(1) in ("or", "nor"):
                return True
        return False

    # --- from hits to readings ---

    def _readings(self, hits: list[_Hit]) -> list[_Hit]:
        """The hits that read a value, with that value; the rest leave a note where it helps."""
        out = []
        for h in hits:
            kind, words = h.rule.kind, self.s[h.start:h.end]
            if h.hedged:
                self.notes.append(f"{h.rule.finding}: {words!r} is hedged; left unknown")
                continue
            if h.negated is None and kind == "no":
                h.negated = False  # "no pain, breathing is fine": a statement of its own, whatever the list
            if h.negated is None:
                self.notes.append(f"{h.rule.finding}: {words!r} follows a negation whose reach is unclear; left unknown")
                continue
            if kind == "yes" and not h.negated and self.v.resolved_after.match(self.s[h.end:h.end + 40]):
                self.notes.append(f"{h.rule.finding}: {words!r} is said to be over; left unknown")
                continue
            if kind in ("yes", "no"):
                if h.negated and kind == "no":
                    continue  # a double negative ("not only my bicep") is too easy to misread
                h.value = (kind == "yes") != h.negated
            elif kind == "negated_only" or kind == "zero":
                if not h.negated:
                    continue
                h.value = False if kind == "negated_only" else 0.0
            elif h.negated:
                continue  # a negated amount or movement ("not 5 cups", "no twitching") says nothing
            if h.value is True and h.rule.finding in self.v.medicine_classes and self._in_the_past(h):
                self.notes.append(f"{h.rule.finding}: {words!r} was taken in the past; left unknown")
                continue
            out.append(h)
        stopped = [h for h in out if h.rule.finding == self.v.stopped[0] and h.value is True]
        if stopped:  # after stopping, the amount asked is the usual one before: a 'no drink now' is not it
            out = [h for h in out if not (h.rule.finding == self.v.stopped[1] and h.rule.kind == "zero")]
        out += self._onsets(out)
        return out

    def _in_the_past(self, h: _Hit) -> bool:
        a, b = self.sentence(h.start)
        return bool(self.v.medicine_past.search(self.s, a, b))

    def _onsets(self, readings: list[_Hit]) -> list[_Hit]:
        fid, parent, choices = self.v.onset
        out = []
        for h in readings:
            if h.rule.finding != parent or h.value is not True:
                continue
            a, b = self.clause(h.start)
            found = {(c, m.start(), m.end()) for c, regex in choices for m in regex.finditer(self.s, a, b)}
            if len({c for c, _, _ in found}) == 1:
                c, start, end = min(found, key=lambda x: x[1])
                out.append(_Hit(_Rule(fid, "choice", choices[0][1]), start, end, c))
            elif found:
                self.notes.append(f"{fid}: the words give more than one onset; left unknown")
        return out

    def _medicine_lists(self, readings: list[_Hit]) -> list[_Hit]:
        """'no meds' reads every class as no; 'I only take a statin' too, when the medicine is in no class."""
        v, out = self.v, []
        for regex in v.medicine_none:
            for m in regex.finditer(self.s):
                out += [_Hit(_Rule(fid, "no", regex), m.start(), m.end(), False) for fid in v.medicine_classes]
        for regex in v.medicine_only:
            for m in regex.finditer(self.s):
                name = m.group(1)
                named = [fid for fid, names in v.medicine_names if names.fullmatch(name)]
                if name in ("the", "one", "this", "that", "pill", "them", "it"):
                    continue
                out += [_Hit(_Rule(fid, "no", regex), m.start(), m.end(), False)
                        for fid in v.medicine_classes if fid not in named]
        return out

    def _settle(self, readings: list[_Hit]) -> tuple[dict[str, Any], list[Evidence]]:
        """One value per finding: overlapping words of one finding count once; two values, none."""
        by_finding: dict[str, list[_Hit]] = {}
        for h in sorted(readings, key=lambda h: (h.start, -(h.end - h.start))):
            kept = by_finding.setdefault(h.rule.finding, [])
            if any(k.start < h.end and h.start < k.end for k in kept):
                continue
            kept.append(h)
        chosen: dict[str, tuple[_Hit, Any]] = {}
        for fid, kept in by_finding.items():
            values = []
            for h in kept:
                value = self._typed(fid, h)
                if value is not None:
                    values.append((h, value))
            distinct = {json.dumps(v) for _, v in values}
            if len(distinct) > 1:
                self.notes.append(f"{fid}: read as {' and as '.join(sorted(distinct))}; left unknown")
                continue
            if fid in self.v.medicine_classes and not values:
                continue
            if values:
                chosen[fid] = values[0]
        fid, parent, _ = self.v.onset
        if fid in chosen and chosen.get(parent, (None, None))[1] is not True:
            del chosen[fid]
        evidence = []
        for fid, (h, value) in sorted(chosen.items(), key=lambda kv: kv[1][0].start):
            start, end, words = self.quote(h.start if h.cue is None else h.cue, h.end)
            evidence.append(Evidence(fid, value, start, end, words))
        return {e.finding: e.value for e in evidence}, evidence

    def _typed(self, fid: str, h: _Hit) -> Any:
        """The value in the contract's type: numbers checked against the range and snapped to the grid."""
        kind = self.v.types[fid]
        if kind != NUMBER:
            return h.value
        lo, hi, step = self.v.grids[fid]
        raw = float(h.value)
        words = self.s[h.start:h.end]
        snapped = math.floor(raw / step + 0.5 + 1e-9) * step
        if raw > 0 and snapped == 0:
            snapped = step  # a positive amount ("an hour") is not nothing
        snapped = round(snapped, 9)
        if not lo <= snapped <= hi:
            self.notes.append(f"{fid}: {words!r} gives {format_number(round(raw, 4))}, outside "
                              f"{format_number(lo)} to {format_number(hi)}; not read")
            return None
        if not math.isclose(snapped, raw, abs_tol=1e-9):
            self.notes.append(f"{fid}: {words!r} gives {format_number(round(raw, 4))}, read as "
                              f"{format_number(snapped)} (the nearest step of {format_number(step)})")
        return int(snapped) if float(snapped).is_integer() else snapped


__all__ = ["parse_description", "read_answer", "Description", "Evidence", "VocabularyError", "VOCABULARY_FILE"]
