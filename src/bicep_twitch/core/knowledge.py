"""Step 1 of the pipeline: the knowledge base, loaded from declarative data.

The medical content lives in ``knowledge/knowledge_base.json``; this module only reads it, checks
that it is well formed, and hands out typed views of it. Nothing here imports numpy, so the
predictor can use it at start-up for free.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from .numbers import format_number  # noqa: F401  (re-exported: the words of numbers)

FORMAT_VERSION = 3
KNOWLEDGE_DIR = Path(__file__).resolve().parents[1] / "knowledge"
KNOWLEDGE_FILE = KNOWLEDGE_DIR / "knowledge_base.json"

CHOICE, YES_NO, NUMBER = "choice", "yes/no", "number"


class KnowledgeBaseError(ValueError):
    """The knowledge base file is malformed; the message names the entry and the rule."""


@dataclass(frozen=True)
class Source:
    """Where a piece of knowledge comes from: an article quote, a published figure, or general knowledge.

    A number (a prior, a distribution) sourced from general knowledge also carries ``range``: the
    plausible values of each of its numbers, as ``(low, high)`` pairs in the order of
    :meth:`Distribution.values` (one pair for a prior or a yes/no share).
    """

    quote: str | None = None
    general_knowledge: str | None = None
    published: Mapping[str, Any] | None = None  # figure, where, year, address, derivation
    range: tuple[tuple[float, float], ...] | None = None

    @property
    def kind(self) -> str:
        """``"article"``, ``"published"`` or ``"general_knowledge"``."""
        if self.quote is not None:
            return "article"
        return "published" if self.published is not None else "general_knowledge"

    @property
    def text(self) -> str:
        if self.quote is not None:
            return f'article: "{self.quote}"'
        if self.published is not None:
            p = self.published
            # Without the scheme: the offline page carries this text and must hold no link it could follow.
            address = re.sub(r"^https?://", "", p["address"])
            return f"published: {p['figure']} ({p['where']}, {p['year']}, {address}); {p['derivation']}"
        return f"general knowledge: {self.general_knowledge}"


@dataclass(frozen=True)
class Finding:
    """One input a user may give: its type, allowed values and the words used to talk about it."""

    id: str
    type: str
    question: str
    name: str
    salience: float
    source: Source
    choices: tuple[str, ...] = ()
    choice_text: Mapping[str, str] = field(default_factory=dict)
    min: float | None = None
    max: float | None = None
    step: float | None = None
    unit: str = ""
    describe: str = ""
    bins: tuple[tuple[float, float], ...] = ()
    yes: str = ""
    no: str = ""
    requires: Mapping[str, Any] = field(default_factory=dict)

    def describe_value(self, value_text: str) -> str:
        """A number finding's answer as a clause; ``{s}`` in the template pluralises ("1 cup", "7 cups")."""
        return self.describe.format(value=value_text, s="" if value_text == "1" else "s")

    def bin_sizes(self) -> tuple[int, ...]:
        """How many grid values each bin holds."""
        return tuple(int(round((hi - lo) / self.step)) + 1 for lo, hi in self.bins)


@dataclass(frozen=True)
class Distribution:
    """A finding's distribution under one cause (or the background).

    ``p_yes`` for yes/no, ``p`` (per choice) for a choice, ``weights`` (per bin) for a number.
    """

    finding: str
    source: Source
    p_yes: float | None = None
    p: Mapping[str, float] | None = None
    weights: tuple[float, ...] | None = None

    def values(self) -> tuple[float, ...]:
        """Its numbers in a fixed order: ``(p_yes,)``, the choices' shares, or the bin weights."""
        if self.p_yes is not None:
            return (self.p_yes,)
        return tuple(self.p.values()) if self.p is not None else tuple(self.weights)


@dataclass(frozen=True)
class Cause:
    id: str
    label: str
    prior: float
    source: Source
    prior_source: Source
    advice: str
    advice_source: Source
    findings: Mapping[str, Distribution]


# Urgency levels, least to most urgent (contract v3); a case gets the highest any rule gives.
LEVELS = ("self_care", "see_doctor", "urgent", "emergency")
# The tests a triage rule (or an exception's condition) applies to one encoded answer; an unknown
# answer (NaN) passes none of them. "equals" compares a choice; the others numbers or yes/no.
RULE_TESTS = {"yes": (YES_NO,), "more_than": (NUMBER,), "at_most": (NUMBER,), "equals": (CHOICE,)}


@dataclass(frozen=True)
class Guidance:
    """The public guidance a triage rule follows: who says it, where, and what it says in our words.

    ``name`` is the body ("NHS", "NICE NG127", "MSD Manual", ...) or ``"article"`` (then ``says``
    is the article's sentence, verbatim, and ``url`` is empty) or ``"general knowledge"``.
    """

    name: str
    says: str
    url: str = ""

    @property
    def quote(self) -> str | None:
        """The article's sentence, for the checks that every quote is verbatim."""
        return self.says if self.name == "article" else None

    @property
    def text(self) -> str:
        if self.name == "article":
            return f'article: "{self.says}"'
        return f"{self.name}: {self.says}" + (f" ({self.url})" if self.url else "")

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "says": self.says, "url": self.url}


@dataclass(frozen=True)
class Condition:
    """One test of one answer: ``finding`` passes ``rule`` (a key of ``RULE_TESTS``) with ``value``.

    ``code`` is ``value`` encoded as the answers are (a choice's index), so every runtime compares
    encoded answers with it.
    """

    finding: str
    rule: str
    value: float | str | None = None
    code: float | None = None


@dataclass(frozen=True)
class TriageRule(Condition):
    """A triage rule: an answer that passes its test raises the urgency to at least ``level``.

    ``text`` says what was found, ``how_soon`` when to act, ``source`` the guidance it follows;
    ``unless`` names an exception (:class:`TriageException`) under which the rule does not fire;
    ``prescriber`` marks a medicine that can cause twitching (talk to its prescriber).
    """

    id: str = ""
    text: str = ""
    level: str = "see_doctor"
    how_soon: str = ""
    source: Guidance | None = None
    unless: str | None = None
    prescriber: bool = False


@dataclass(frozen=True)
class TriageException:
    """When every condition holds, the rules naming this exception do not fire."""

    id: str
    conditions: tuple[Condition, ...]
    text: str
    source: Guidance


@dataclass(frozen=True)
class TriageLevel:
    """What a person at this level is told: ``text`` and the ``safety_net`` (``{how_soon}`` is filled in)."""

    id: str
    text: str
    safety_net: str
    source: Guidance


@dataclass(frozen=True)
class DoctorCausesRule:
    """The rule on the causes a doctor should examine: first, or together at least the threshold."""

    level: str
    how_soon: str
    first_text: str
    source: Guidance


@dataclass(frozen=True, eq=False)  # hashed by identity, so compiled tables can be cached per KB
class KnowledgeBase:
    format_version: int
    findings: Mapping[str, Finding]
    causes: Mapping[str, Cause]
    background: Mapping[str, Distribution]
    answer_counts: tuple[tuple[float, int, int], ...]
    see_doctor_causes: tuple[str, ...]
    doctor_threshold: float  # the doctor causes together at least this likely: see a doctor
    doctor_threshold_text: str
    red_flags: tuple[TriageRule, ...]  # the symptom rules, in knowledge-base order
    medicine_flags: tuple[TriageRule, ...]  # a medicine that can cause twitching: see its prescriber
    triage_levels: Mapping[str, TriageLevel]
    how_soon: tuple[str, ...]  # the words for when to act, most pressing first
    triage_exceptions: Mapping[str, TriageException]
    doctor_rule: DoctorCausesRule
    medicine_cause: str  # the cause these medicines point to; its own advice already names the prescriber
    medicine_advice: str
    triage_sources: tuple[tuple[str, Source], ...]  # (where, source) of each triage rule
    disclaimer: str
    sha256: str
    article_file: Path

    @property
    def finding_ids(self) -> tuple[str, ...]:
        return tuple(self.findings)

    @property
    def cause_ids(self) -> tuple[str, ...]:
        return tuple(self.causes)

    def distribution(self, cause: str, finding: str) -> Distribution:
        """The distribution of ``finding`` under ``cause``: the cause's own, else the background."""
        return self.causes[cause].findings.get(finding) or self.background[finding]

    def sources(self):
        """Every (where, Source) pair in the knowledge base, for provenance checks."""
        for fid, f in self.findings.items():
            yield f"findings.{fid}", f.source
            yield f"findings.{fid}.background", self.background[fid].source
        for cid, c in self.causes.items():
            yield f"causes.{cid}", c.source
            yield f"causes.{cid}.prior", c.prior_source
            yield f"causes.{cid}.advice", c.advice_source
            for fid, d in c.findings.items():
                yield f"causes.{cid}.findings.{fid}", d.source
        yield from self.triage_sources

    def numbers(self):
        """Every prior and distribution with its source: (where, numbers, Source).

        These are the knowledge base's numbers that evidence grading covers: each has an article
        quote, a published figure, or general knowledge with a plausible range of every number.
        """
        for cid, c in self.causes.items():
            yield f"causes.{cid}.prior", (c.prior,), c.prior_source
        for fid in self.findings:
            d = self.background[fid]
            yield f"findings.{fid}.background", d.values(), d.source
        for cid, c in self.causes.items():
            for fid, d in c.findings.items():
                yield f"causes.{cid}.findings.{fid}", d.values(), d.source


def load_knowledge(path: str | Path | None = None) -> KnowledgeBase:
    """Load and check the knowledge base (the packaged one unless ``path`` is given)."""
    if path is None:
        return _load_default()
    return _load(Path(path))


@lru_cache(maxsize=1)
def _load_default() -> KnowledgeBase:
    return _load(KNOWLEDGE_FILE)


def _load(path: Path) -> KnowledgeBase:
    raw_bytes = path.read_bytes()
    try:
        raw = json.loads(raw_bytes, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as exc:
        raise KnowledgeBaseError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise KnowledgeBaseError(f"{path} must hold a JSON object (got {type(raw).__name__})")
    if raw.get("format_version") != FORMAT_VERSION:
        raise KnowledgeBaseError(
            f"'format_version' must be {FORMAT_VERSION} (got {raw.get('format_version')!r})"
        )
    findings_spec = _entry("knowledge base", lambda: _mapping("findings", raw["findings"]))
    findings = {fid: _entry(f"findings.{fid}", _finding, fid, spec) for fid, spec in findings_spec.items()}
    for f in findings.values():
        _check_requires(f, findings)
    background = {
        fid: _entry(
            f"findings.{fid}",
            lambda fid=fid, spec=spec: _distribution(f"findings.{fid}.background", findings[fid], spec["background"]),
        )
        for fid, spec in findings_spec.items()
    }
    causes_spec = _entry("knowledge base", lambda: _mapping("causes", raw["causes"]))
    causes = {cid: _entry(f"causes.{cid}", _cause, cid, spec, findings) for cid, spec in causes_spec.items()}
    if not causes or not findings:
        raise KnowledgeBaseError("the knowledge base must define at least one cause and one finding")
    total_prior = sum(c.prior for c in causes.values())
    if not math.isclose(total_prior, 1.0, abs_tol=1e-9):
        raise KnowledgeBaseError(f"cause priors must sum to 1 (got {total_prior})")
    triage = _entry("knowledge base", lambda: _mapping("triage", raw["triage"]))
    parsed = _entry("triage", _triage, triage, findings, causes)
    triage_sources = tuple(
        (where, _entry(where, lambda spec=spec: _source(where, spec.get("source"))))
        for where, spec in (("triage", triage), ("triage.medicines", triage["medicines"]),
                            ("triage.medicines.advice", triage["medicines"]["advice"]))
    )
    answer_counts = _entry("answering", _answer_counts, raw, len(findings))
    return KnowledgeBase(
        format_version=raw["format_version"],
        findings=findings,
        causes=causes,
        background=background,
        answer_counts=answer_counts,
        **parsed,
        triage_sources=triage_sources,
        sha256=hashlib.sha256(raw_bytes).hexdigest(),
        article_file=path.parent / _entry("article", lambda: raw["article"]["file"]),
    )


def _no_duplicate_keys(pairs):
    """json.loads keeps the last of two equal keys silently; a KB entry given twice is a mistake."""
    out = {}
    for key, value in pairs:
        if key in out:
            raise KnowledgeBaseError(f"{key!r} is given twice in the same object")
        out[key] = value
    return out


def _entry(where: str, build, *args):
    """Run ``build(*args)``; turn a missing key or a wrong type into an error naming ``where``."""
    try:
        return build(*args)
    except KnowledgeBaseError:
        raise
    except KeyError as exc:
        raise KnowledgeBaseError(f"{where} is missing {exc.args[0]!r}") from None
    except (TypeError, ValueError, AttributeError, IndexError) as exc:
        raise KnowledgeBaseError(f"{where} is malformed: {exc}") from None


def _mapping(where: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise KnowledgeBaseError(f"{where} must be a JSON object (got {type(value).__name__})")
    return value


def _text(where: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise KnowledgeBaseError(f"{where} must be a non-empty string (got {value!r})")
    return value


def _number(where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise KnowledgeBaseError(f"{where} must be a finite number (got {value!r})")
    return float(value)


def _check_requires(f: Finding, findings: Mapping[str, Finding]) -> None:
    """A follow-up finding needs an existing yes/no parent that is itself not a follow-up."""
    for parent, wanted in f.requires.items():
        where = f"findings.{f.id}.requires"
        if parent not in findings:
            raise KnowledgeBaseError(f"{where} names unknown finding {parent!r}")
        if findings[parent].type != YES_NO or wanted is not True:
            raise KnowledgeBaseError(f"{where} must name a yes/no finding as true (got {parent!r}: {wanted!r})")
        if findings[parent].requires:
            raise KnowledgeBaseError(f"{where} names {parent!r}, which is itself a follow-up finding")


# -- triage: the rules of the knowledge base's ``triage`` section ------------------------------


def _triage(spec: Mapping[str, Any], findings: Mapping[str, Finding], causes: Mapping[str, Any]) -> dict[str, Any]:
    """The ``triage`` section as the knowledge base's triage fields, every name and level checked."""
    how_soon = tuple(_text(f"triage.how_soon[{k}]", w) for k, w in enumerate(spec["how_soon"]))
    if not how_soon or len(set(how_soon)) != len(how_soon):
        raise KnowledgeBaseError(f"triage.how_soon must list distinct words for when to act (got {list(how_soon)!r})")
    levels_spec = _mapping("triage.levels", spec["levels"])
    if tuple(levels_spec) != LEVELS:
        raise KnowledgeBaseError(f"triage.levels must give {', '.join(LEVELS)}, in this order (got {list(levels_spec)})")
    levels = {lid: _entry(f"triage.levels.{lid}", _level, lid, lspec) for lid, lspec in levels_spec.items()}
    exceptions = {
        eid: _entry(f"triage.exceptions.{eid}", _exception, eid, espec, findings)
        for eid, espec in _mapping("triage.exceptions", spec.get("exceptions", {})).items()
    }
    rules = tuple(
        _entry(f"triage.rules.{rid}", _rule, rid, rspec, findings, how_soon, exceptions)
        for rid, rspec in _mapping("triage.rules", spec["rules"]).items()
    )
    medicines = _mapping("triage.medicines", spec["medicines"])
    medicine_cause = _text("triage.medicines.cause", medicines["cause"])
    if medicine_cause not in causes:
        raise KnowledgeBaseError(f"triage.medicines.cause names unknown cause {medicine_cause!r}")
    doctor = _mapping("triage.doctor_causes", spec["doctor_causes"])
    see_doctor = tuple(doctor["causes"])
    for cid in see_doctor:
        if cid not in causes:
            raise KnowledgeBaseError(f"triage.doctor_causes.causes names unknown cause {cid!r}")
    threshold = _number("triage.doctor_causes.at_least", doctor["at_least"])
    if not 0 < threshold <= 1:
        raise KnowledgeBaseError(f"triage.doctor_causes.at_least must be more than 0 and at most 1 (got {threshold})")
    where = "triage.doctor_causes"
    return dict(
        see_doctor_causes=see_doctor,
        doctor_threshold=threshold,
        doctor_threshold_text=_text(f"{where}.together_text", doctor["together_text"]),
        doctor_rule=DoctorCausesRule(
            level=_level_name(f"{where}.level", doctor["level"]),
            how_soon=_how_soon(f"{where}.how_soon", doctor["how_soon"], how_soon),
            first_text=_text(f"{where}.first_text", doctor["first_text"]),
            source=_guidance(where, doctor.get("source")),
        ),
        red_flags=tuple(r for r in rules if not r.prescriber),
        medicine_flags=tuple(r for r in rules if r.prescriber),
        medicine_cause=medicine_cause,
        medicine_advice=_text("triage.medicines.advice.text", medicines["advice"]["text"]),
        triage_levels=levels,
        how_soon=how_soon,
        triage_exceptions=exceptions,
        disclaimer=_text("triage.disclaimer", spec["disclaimer"]),
    )


def _level_name(where: str, value: Any) -> str:
    if value not in LEVELS:
        raise KnowledgeBaseError(f"{where} must be one of {', '.join(LEVELS)} (got {value!r})")
    return value


def _how_soon(where: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise KnowledgeBaseError(f"{where} must be one of triage.how_soon: {', '.join(allowed)} (got {value!r})")
    return value


def _guidance(where: str, spec: Mapping[str, Any] | None) -> Guidance:
    """A rule's source: ``{"guidance", "says", "url"}``, an article ``quote`` or ``general_knowledge``."""
    if not isinstance(spec, dict) or sum(k in spec for k in ("guidance", "quote", "general_knowledge")) != 1:
        raise KnowledgeBaseError(
            f"{where}.source must have exactly one of 'guidance' (with 'says' and 'url'), 'quote' or "
            f"'general_knowledge' (got {spec!r})"
        )
    if "quote" in spec:
        return Guidance("article", _text(f"{where}.source.quote", spec["quote"]))
    if "general_knowledge" in spec:
        return Guidance("general knowledge", _text(f"{where}.source.general_knowledge", spec["general_knowledge"]))
    url = _text(f"{where}.source.url", spec["url"])
    if not url.startswith("https://"):
        raise KnowledgeBaseError(f"{where}.source.url must be an https:// address (got {url!r})")
    return Guidance(_text(f"{where}.source.guidance", spec["guidance"]), _text(f"{where}.source.says", spec["says"]), url)


def _condition(where: str, spec: Mapping[str, Any], findings: Mapping[str, Finding]) -> dict[str, Any]:
    """The fields of a :class:`Condition` from ``{"finding", "test", "value"}``, checked against the finding."""
    fid, test = spec["finding"], spec["test"]
    if fid not in findings:
        raise KnowledgeBaseError(f"{where}.finding names unknown finding {fid!r}")
    f = findings[fid]
    if f.type not in RULE_TESTS.get(test, ()):
        allowed = ", ".join(f"'{t}' for {' or '.join(kinds)}" for t, kinds in RULE_TESTS.items())
        raise KnowledgeBaseError(f"{where}.test must be {allowed} (got {test!r} for {f.type} finding {fid!r})")
    if test == "yes":
        if "value" in spec:
            raise KnowledgeBaseError(f"{where}.value is not used by the test 'yes' (got {spec['value']!r})")
        return dict(finding=fid, rule=test, code=1.0)  # a yes is encoded 1
    value = spec["value"]
    if test == "equals":
        if value not in f.choices:
            raise KnowledgeBaseError(f"{where}.value must be one of {', '.join(f.choices)} (got {value!r})")
        return dict(finding=fid, rule=test, value=value, code=float(f.choices.index(value)))
    number = _number(f"{where}.value", value)
    if not f.min <= number <= f.max:
        raise KnowledgeBaseError(f"{where}.value must be within {f.id}'s range {f.min:g} to {f.max:g} (got {value!r})")
    return dict(finding=fid, rule=test, value=value, code=number)  # value kept as written (14, not 14.0)


def _rule(rid: str, spec: Mapping[str, Any], findings: Mapping[str, Finding], how_soon: tuple[str, ...],
          exceptions: Mapping[str, TriageException]) -> TriageRule:
    where = f"triage.rules.{rid}"
    unless = spec.get("unless")
    if unless is not None and unless not in exceptions:
        raise KnowledgeBaseError(f"{where}.unless names unknown exception {unless!r}")
    prescriber = spec.get("prescriber", False)
    if not isinstance(prescriber, bool):
        raise KnowledgeBaseError(f"{where}.prescriber must be true or false (got {prescriber!r})")
    level = _level_name(f"{where}.level", spec["level"])
    if level == LEVELS[0]:
        raise KnowledgeBaseError(f"{where}.level must raise the urgency above {LEVELS[0]} (got {level!r})")
    return TriageRule(
        **_condition(where, spec, findings),
        id=rid,
        text=_text(f"{where}.text", spec["text"]),
        level=level,
        how_soon=_how_soon(f"{where}.how_soon", spec["how_soon"], how_soon),
        source=_guidance(where, spec.get("source")),
        unless=unless,
        prescriber=prescriber,
    )


def _exception(eid: str, spec: Mapping[str, Any], findings: Mapping[str, Finding]) -> TriageException:
    where = f"triage.exceptions.{eid}"
    given = spec["all"]
    if not isinstance(given, list) or not given:
        raise KnowledgeBaseError(f"{where}.all must be a non-empty list of conditions (got {given!r})")
    conditions = tuple(Condition(**_condition(f"{where}.all[{k}]", c, findings)) for k, c in enumerate(given))
    return TriageException(eid, conditions, _text(f"{where}.text", spec["text"]), _guidance(where, spec.get("source")))


def _level(lid: str, spec: Mapping[str, Any]) -> TriageLevel:
    where = f"triage.levels.{lid}"
    return TriageLevel(lid, _text(f"{where}.text", spec["text"]), _text(f"{where}.safety_net", spec["safety_net"]),
                       _guidance(where, spec.get("source")))


def _answer_counts(raw: Mapping[str, Any], n_findings: int) -> tuple[tuple[float, int, int], ...]:
    counts = []
    for p, lo, hi in raw["answering"]["answer_counts"]:
        if not (isinstance(lo, int) and isinstance(hi, int) and 1 <= lo <= hi <= n_findings) or not p > 0:
            raise KnowledgeBaseError(
                f"answering.answer_counts entries must be [p > 0, from, to] with 1 <= from <= to <= "
                f"{n_findings} (got {[p, lo, hi]})"
            )
        counts.append((float(p), lo, hi))
    if not counts or not math.isclose(sum(p for p, _, _ in counts), 1.0, abs_tol=1e-9):
        raise KnowledgeBaseError("answering.answer_counts probabilities must sum to 1")
    return tuple(counts)


SOURCE_KINDS = ("quote", "published", "general_knowledge")
PUBLISHED_KEYS = ("figure", "where", "year", "address", "derivation")


def _source(where: str, spec: Mapping[str, Any] | None, *, values: tuple[float, ...] | None = None,
            names: tuple[str, ...] | None = None) -> Source:
    """Read a source; ``values`` (the numbers it backs) make a range required for general knowledge.

    ``names`` are the keys of a choice distribution, whose range is given per choice.
    """
    kinds = [k for k in SOURCE_KINDS if k in (spec or {})]
    if len(kinds) != 1:
        raise KnowledgeBaseError(
            f"{where}.source must have exactly one of 'quote', 'published' or 'general_knowledge' (got {spec!r})"
        )
    kind = kinds[0]
    allowed = {kind, "range"} if kind == "general_knowledge" else {kind}
    if set(spec) - allowed:
        raise KnowledgeBaseError(f"{where}.source has unknown keys {sorted(set(spec) - allowed)} "
                                 f"(allowed with {kind!r}: {sorted(allowed)})")
    if kind == "published":
        published = _mapping(f"{where}.source.published", spec["published"])
        if set(published) != set(PUBLISHED_KEYS):
            raise KnowledgeBaseError(f"{where}.source.published must have exactly the keys {list(PUBLISHED_KEYS)} "
                                     f"(got {sorted(published)})")
        for key in PUBLISHED_KEYS:
            if key == "year":
                year = published[key]
                if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2100:
                    raise KnowledgeBaseError(f"{where}.source.published.year must be a year such as 2017 (got {year!r})")
            else:
                _text(f"{where}.source.published.{key}", published[key])
        if not str(published["address"]).startswith(("https://", "http://", "doi:")):
            raise KnowledgeBaseError(f"{where}.source.published.address must be a URL or a doi: (got "
                                     f"{published['address']!r})")
        return Source(published=dict(published))
    text = spec[kind]
    if not isinstance(text, str) or not text.strip():
        raise KnowledgeBaseError(f"{where}.source must be a non-empty string (got {text!r})")
    if kind == "quote":
        return Source(quote=text)
    if values is None:
        if "range" in spec:
            raise KnowledgeBaseError(f"{where}.source has a 'range', but it backs no number")
        return Source(general_knowledge=text)
    if "range" not in spec:
        raise KnowledgeBaseError(f"{where}.source is general knowledge, so it must give a plausible 'range' "
                                 f"[low, high] of its number{'s' if len(values) > 1 else ''} (got none)")
    return Source(general_knowledge=text, range=_range(f"{where}.source.range", spec["range"], values, names))


def _range(where: str, spec: Any, values: tuple[float, ...], names: tuple[str, ...] | None) -> tuple[tuple[float, float], ...]:
    """A plausible range per number: [low, high] for one number, one such pair per bin, or per choice."""
    if len(values) == 1:
        pairs = [spec]
    elif names is not None:
        given = _mapping(where, spec)
        if set(given) != set(names):
            raise KnowledgeBaseError(f"{where} must give [low, high] for each of {list(names)} (got {sorted(given)})")
        pairs = [given[n] for n in names]
    else:
        pairs = spec
        if not isinstance(pairs, list) or len(pairs) != len(values):
            raise KnowledgeBaseError(f"{where} must be {len(values)} pairs [low, high], one per number (got {spec!r})")
    out = []
    for k, (pair, value) in enumerate(zip(pairs, values)):
        if not (isinstance(pair, list) and len(pair) == 2):
            raise KnowledgeBaseError(f"{where} must hold pairs [low, high] (got {pair!r})")
        lo, hi = (_number(where, x) for x in pair)
        if not 0 < lo <= value <= hi <= 1:
            label = names[k] if names else (f"bin {k}" if len(values) > 1 else "the number")
            raise KnowledgeBaseError(f"{where}: {label} is {value}, which must lie in its plausible range "
                                     f"[{lo}, {hi}] (0 < low <= value <= high <= 1)")
        out.append((lo, hi))
    return tuple(out)


def _finding(fid: str, spec: Mapping[str, Any]) -> Finding:
    kind = spec["type"]
    if kind not in (CHOICE, YES_NO, NUMBER):
        raise KnowledgeBaseError(f"findings.{fid}.type must be choice, yes/no or number (got {kind!r})")
    salience = _number(f"findings.{fid}.salience", spec["salience"])
    if salience <= 0:
        raise KnowledgeBaseError(f"findings.{fid}.salience must be more than 0 (got {salience})")
    common = dict(
        id=fid,
        type=kind,
        question=_text(f"findings.{fid}.question", spec["question"]),
        name=_text(f"findings.{fid}.name", spec["name"]),
        salience=salience,
        source=_source(f"findings.{fid}", spec.get("source")),
        requires=dict(spec.get("requires", {})),
    )
    if kind == CHOICE:
        choices = tuple(spec["choices"])
        if len(choices) < 2 or len(set(choices)) != len(choices) or set(spec["choice_text"]) != set(choices):
            raise KnowledgeBaseError(
                f"findings.{fid}.choices must be two or more distinct choices, each with a choice_text"
            )
        return Finding(**common, choices=choices, choice_text=dict(spec["choice_text"]))
    if kind == YES_NO:
        return Finding(**common, yes=_text(f"findings.{fid}.yes", spec["yes"]), no=_text(f"findings.{fid}.no", spec["no"]))
    lo, hi, step = (_number(f"findings.{fid}.{key}", spec[key]) for key in ("min", "max", "step"))
    if not (lo < hi and step > 0):
        raise KnowledgeBaseError(f"findings.{fid} must have min < max and step > 0 (got {lo}, {hi}, {step})")
    finding = Finding(
        **common,
        min=lo,
        max=hi,
        step=step,
        unit=spec["unit"],
        describe=spec["describe"],
        bins=tuple((float(lo), float(hi)) for lo, hi in spec["bins"]),
    )
    _check_bins(finding)
    return finding


def _check_bins(f: Finding) -> None:
    """Bins must tile [min, max] on the finding's grid, in order, without gaps or overlaps."""
    if not f.bins:
        raise KnowledgeBaseError(f"findings.{f.id}.bins must tile {f.min}..{f.max} (got no bins)")
    expected_lo = f.min
    for lo, hi in f.bins:
        if not math.isclose(lo, expected_lo) or hi < lo:
            raise KnowledgeBaseError(f"findings.{f.id}.bins must tile {f.min}..{f.max} (bin {lo}..{hi})")
        for edge in (lo, hi):
            if not math.isclose(round(edge / f.step) * f.step, edge):
                raise KnowledgeBaseError(f"findings.{f.id}.bins edge {edge} is off the {f.step} grid")
        expected_lo = hi + f.step
    if not math.isclose(f.bins[-1][1], f.max):
        raise KnowledgeBaseError(f"findings.{f.id}.bins must end at {f.max}")


def _distribution(where: str, finding: Finding, spec: Mapping[str, Any]) -> Distribution:
    if finding.type == YES_NO:
        p_yes = _number(f"{where}.p_yes", spec["p_yes"])
        if not 0.0 < p_yes < 1.0:
            raise KnowledgeBaseError(f"{where}.p_yes must be strictly between 0 and 1 (got {p_yes})")
        return Distribution(finding.id, _source(where, spec.get("source"), values=(p_yes,)), p_yes=p_yes)
    if finding.type == CHOICE:
        given = _mapping(f"{where}.p", spec["p"])
        p = {c: _number(f"{where}.p.{c}", given[c]) for c in finding.choices if c in given}
        if set(given) != set(finding.choices) or min(p.values()) <= 0 or not math.isclose(sum(p.values()), 1.0):
            raise KnowledgeBaseError(f"{where}.p must give each of {finding.choices} a positive share, summing to 1")
        source = _source(where, spec.get("source"), values=tuple(p.values()), names=finding.choices)
        return Distribution(finding.id, source, p=p)
    weights = tuple(_number(f"{where}.weights", w) for w in spec["weights"])
    if len(weights) != len(finding.bins) or min(weights) <= 0 or not math.isclose(sum(weights), 1.0):
        raise KnowledgeBaseError(
            f"{where}.weights must be {len(finding.bins)} positive numbers summing to 1 (got {weights})"
        )
    return Distribution(finding.id, _source(where, spec.get("source"), values=weights), weights=weights)


def _cause(cid: str, spec: Mapping[str, Any], findings: Mapping[str, Finding]) -> Cause:
    dists = {}
    for fid, dspec in _mapping(f"causes.{cid}.findings", spec.get("findings", {})).items():
        if fid not in findings:
            raise KnowledgeBaseError(f"causes.{cid}.findings names unknown finding {fid!r}")
        dists[fid] = _distribution(f"causes.{cid}.findings.{fid}", findings[fid], dspec)
    prior = _number(f"causes.{cid}.prior", spec["prior"])
    if not 0.0 < prior < 1.0:
        raise KnowledgeBaseError(f"causes.{cid}.prior must be between 0 and 1 (got {prior})")
    return Cause(
        id=cid,
        label=_text(f"causes.{cid}.label", spec["label"]),
        prior=prior,
        source=_source(f"causes.{cid}", spec.get("source")),
        prior_source=_source(f"causes.{cid}.prior", spec.get("prior_source"), values=(prior,)),
        advice=_text(f"causes.{cid}.advice.text", spec["advice"]["text"]),
        advice_source=_source(f"causes.{cid}.advice", spec["advice"].get("source")),
        findings=dists,
    )
