"""Step 1 of the pipeline: the knowledge base, loaded from declarative data.

The medical content lives in ``knowledge/knowledge_base.json``; this module only reads it, checks
that it is well formed, and hands out typed views of it. Nothing here imports numpy, so the
predictor can use it at start-up for free.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

FORMAT_VERSION = 1
KNOWLEDGE_DIR = Path(__file__).resolve().parent / "knowledge"
KNOWLEDGE_FILE = KNOWLEDGE_DIR / "knowledge_base.json"

CHOICE, YES_NO, NUMBER = "choice", "yes/no", "number"


class KnowledgeBaseError(ValueError):
    """The knowledge base file is malformed; the message names the entry and the rule."""


@dataclass(frozen=True)
class Source:
    """Where a piece of knowledge comes from: an article quote, or general knowledge."""

    quote: str | None = None
    general_knowledge: str | None = None

    @property
    def text(self) -> str:
        if self.quote is not None:
            return f'article: "{self.quote}"'
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

    @property
    def allowed(self) -> str:
        """What the finding accepts, in the words error messages use."""
        if self.type == CHOICE:
            return "one of " + ", ".join(f"'{c}'" for c in self.choices)
        if self.type == YES_NO:
            return "true or false (yes/no)"
        return f"a number from {format_number(self.min)} to {format_number(self.max)}"

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


@dataclass(frozen=True)
class RedFlag:
    finding: str
    rule: str  # "yes" or "more_than"
    text: str
    value: float | None = None


@dataclass(frozen=True, eq=False)  # hashed by identity, so compiled tables can be cached per KB
class KnowledgeBase:
    format_version: int
    findings: Mapping[str, Finding]
    causes: Mapping[str, Cause]
    background: Mapping[str, Distribution]
    answer_counts: tuple[tuple[float, int, int], ...]
    see_doctor_causes: tuple[str, ...]
    red_flags: tuple[RedFlag, ...]
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


def format_number(value: float | None) -> str:
    """Show a number the way a person writes it: 7 not 7.0, 0.25 not 0.250000."""
    if value is None:
        return "?"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4g}"


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
        raw = json.loads(raw_bytes)
    except json.JSONDecodeError as exc:
        raise KnowledgeBaseError(f"{path} is not valid JSON: {exc}") from None
    if raw.get("format_version") != FORMAT_VERSION:
        raise KnowledgeBaseError(
            f"'format_version' must be {FORMAT_VERSION} (got {raw.get('format_version')!r})"
        )
    findings = {fid: _finding(fid, spec) for fid, spec in raw["findings"].items()}
    background = {
        fid: _distribution(f"findings.{fid}.background", findings[fid], spec["background"])
        for fid, spec in raw["findings"].items()
    }
    causes = {cid: _cause(cid, spec, findings) for cid, spec in raw["causes"].items()}
    total_prior = sum(c.prior for c in causes.values())
    if not math.isclose(total_prior, 1.0, abs_tol=1e-9):
        raise KnowledgeBaseError(f"cause priors must sum to 1 (got {total_prior})")
    triage = raw["triage"]
    for cid in triage["see_doctor_causes"]:
        if cid not in causes:
            raise KnowledgeBaseError(f"triage.see_doctor_causes names unknown cause {cid!r}")
    red_flags = tuple(
        RedFlag(finding=fid, rule=spec["rule"], text=spec["text"], value=spec.get("value"))
        for fid, spec in triage["red_flags"].items()
    )
    for flag in red_flags:
        if flag.finding not in findings or flag.rule not in ("yes", "more_than"):
            raise KnowledgeBaseError(f"triage.red_flags.{flag.finding} is malformed")
    answering = raw["answering"]
    answer_counts = tuple((float(p), int(lo), int(hi)) for p, lo, hi in answering["answer_counts"])
    if not math.isclose(sum(p for p, _, _ in answer_counts), 1.0, abs_tol=1e-9):
        raise KnowledgeBaseError("answering.answer_counts probabilities must sum to 1")
    return KnowledgeBase(
        format_version=raw["format_version"],
        findings=findings,
        causes=causes,
        background=background,
        answer_counts=answer_counts,
        see_doctor_causes=tuple(triage["see_doctor_causes"]),
        red_flags=red_flags,
        disclaimer=triage["disclaimer"],
        sha256=hashlib.sha256(raw_bytes).hexdigest(),
        article_file=path.parent / raw["article"]["file"],
    )


def _source(where: str, spec: Mapping[str, Any] | None) -> Source:
    if not spec or (("quote" in spec) == ("general_knowledge" in spec)):
        raise KnowledgeBaseError(
            f"{where}.source must have exactly one of 'quote' or 'general_knowledge' (got {spec!r})"
        )
    text = spec.get("quote") or spec.get("general_knowledge")
    if not isinstance(text, str) or not text.strip():
        raise KnowledgeBaseError(f"{where}.source must be a non-empty string (got {text!r})")
    return Source(quote=spec.get("quote"), general_knowledge=spec.get("general_knowledge"))


def _finding(fid: str, spec: Mapping[str, Any]) -> Finding:
    kind = spec["type"]
    common = dict(
        id=fid,
        type=kind,
        question=spec["question"],
        name=spec["name"],
        salience=float(spec["salience"]),
        source=_source(f"findings.{fid}", spec.get("source")),
        requires=dict(spec.get("requires", {})),
    )
    if kind == CHOICE:
        return Finding(**common, choices=tuple(spec["choices"]), choice_text=dict(spec["choice_text"]))
    if kind == YES_NO:
        return Finding(**common, yes=spec["yes"], no=spec["no"])
    if kind != NUMBER:
        raise KnowledgeBaseError(f"findings.{fid}.type must be choice, yes/no or number (got {kind!r})")
    finding = Finding(
        **common,
        min=float(spec["min"]),
        max=float(spec["max"]),
        step=float(spec["step"]),
        unit=spec["unit"],
        describe=spec["describe"],
        bins=tuple((float(lo), float(hi)) for lo, hi in spec["bins"]),
    )
    _check_bins(finding)
    return finding


def _check_bins(f: Finding) -> None:
    """Bins must tile [min, max] on the finding's grid, in order, without gaps or overlaps."""
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
    source = _source(where, spec.get("source"))
    if finding.type == YES_NO:
        p_yes = float(spec["p_yes"])
        if not 0.0 < p_yes < 1.0:
            raise KnowledgeBaseError(f"{where}.p_yes must be strictly between 0 and 1 (got {p_yes})")
        return Distribution(finding.id, source, p_yes=p_yes)
    if finding.type == CHOICE:
        p = {c: float(spec["p"][c]) for c in finding.choices}
        if set(spec["p"]) != set(finding.choices) or not math.isclose(sum(p.values()), 1.0):
            raise KnowledgeBaseError(f"{where}.p must give each of {finding.choices} and sum to 1")
        return Distribution(finding.id, source, p=p)
    weights = tuple(float(w) for w in spec["weights"])
    if len(weights) != len(finding.bins) or min(weights) <= 0 or not math.isclose(sum(weights), 1.0):
        raise KnowledgeBaseError(
            f"{where}.weights must be {len(finding.bins)} positive numbers summing to 1 (got {weights})"
        )
    return Distribution(finding.id, source, weights=weights)


def _cause(cid: str, spec: Mapping[str, Any], findings: Mapping[str, Finding]) -> Cause:
    dists = {}
    for fid, dspec in spec.get("findings", {}).items():
        if fid not in findings:
            raise KnowledgeBaseError(f"causes.{cid}.findings names unknown finding {fid!r}")
        dists[fid] = _distribution(f"causes.{cid}.findings.{fid}", findings[fid], dspec)
    prior = float(spec["prior"])
    if not 0.0 < prior < 1.0:
        raise KnowledgeBaseError(f"causes.{cid}.prior must be between 0 and 1 (got {prior})")
    return Cause(
        id=cid,
        label=spec["label"],
        prior=prior,
        source=_source(f"causes.{cid}", spec.get("source")),
        prior_source=_source(f"causes.{cid}.prior", spec.get("prior_source")),
        advice=spec["advice"]["text"],
        advice_source=_source(f"causes.{cid}.advice", spec["advice"].get("source")),
        findings=dists,
    )
