"""The knowledge base: it loads, matches the contract, quotes the article verbatim, and refuses
malformed copies with an error that names the broken entry."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from pathlib import Path

import pytest

from bicep_twitch.core.knowledge import (
    KNOWLEDGE_DIR,
    KNOWLEDGE_FILE,
    KnowledgeBaseError,
    format_number,
    load_knowledge,
)

REPO = Path(__file__).resolve().parents[1]
CONTRACT = REPO.parent / "shared" / "CONTRACT.md"
SHARED_ARTICLE = REPO.parent / "shared" / "article" / "what-makes-your-bicep-twitch.txt"
SHIPPED_ARTICLE = KNOWLEDGE_DIR / "article.txt"


def raw_kb() -> dict:
    return json.loads(KNOWLEDGE_FILE.read_text(encoding="utf-8"))


def contract_table(heading: str) -> list[list[str]]:
    """The rows of the first markdown table under ``## heading`` in the contract, cells stripped."""
    text = CONTRACT.read_text(encoding="utf-8")
    section = text.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    cells = [[c.strip() for c in row.strip().strip("|").split("|")] for row in rows]
    return [r for r in cells[2:]]  # skip the header and the --- line


def walk_sources(node, where=""):
    """Every ``source`` object in the raw JSON, with where it sits."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("source", "prior_source"):
                yield f"{where}.{key}".lstrip("."), value
            else:
                yield from walk_sources(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk_sources(value, f"{where}[{i}]")


needs_contract = pytest.mark.skipif(not CONTRACT.exists(), reason="../shared/CONTRACT.md not present")


def test_kb_loads_with_12_causes_and_29_findings(kb):
    assert len(kb.causes) == 12
    assert len(kb.findings) == 29
    assert sum(c.prior for c in kb.causes.values()) == pytest.approx(1.0)
    assert kb.sha256 == hashlib.sha256(KNOWLEDGE_FILE.read_bytes()).hexdigest()
    assert set(kb.see_doctor_causes) == {"medication", "nerve_damage", "neuromuscular_disease", "autoimmune"}
    # loading again from the path gives the same content (the default is cached, a path is not)
    again = load_knowledge(KNOWLEDGE_FILE)
    assert again is not kb and again.sha256 == kb.sha256 and again.finding_ids == kb.finding_ids


@needs_contract
def test_causes_match_the_contract(kb):
    rows = contract_table("Causes (the categories the model predicts)")
    expected = {row[0].strip("`"): row[1] for row in rows}
    assert len(expected) == 12
    assert {cid: c.label for cid, c in kb.causes.items()} == expected


@needs_contract
def test_findings_match_the_contract(kb):
    rows = contract_table("Findings (the inputs)")
    assert len(rows) == 29
    for fid, kind, allowed, meaning in (row[:4] for row in rows):
        fid = fid.strip("`")
        assert fid in kb.findings, fid
        f = kb.findings[fid]
        assert f.type == kind, fid
        if kind == "number":
            lo, hi = re.fullmatch(r"(\S+) to (\S+)", allowed).groups()
            assert (f.min, f.max) == (float(lo), float(hi)), fid
        elif kind == "choice":
            assert f.choices == tuple(re.findall(r'`"([^"]+)"`', allowed)), fid
        # what the contract marks general knowledge is marked so in the KB, with a rationale
        if "*general knowledge*" in meaning:
            assert f.source.quote is None and f.source.general_knowledge, fid
    assert set(kb.findings) == {row[0].strip("`") for row in rows}


def test_number_findings_are_well_formed(kb):
    for f in kb.findings.values():
        if f.type != "number":
            continue
        assert f.bins[0][0] == f.min and f.bins[-1][1] == f.max, f.id
        for (_, hi), (lo, _) in zip(f.bins, f.bins[1:]):
            assert lo == pytest.approx(hi + f.step), f.id  # no gap, no overlap on the grid
        assert sum(f.bin_sizes()) == round((f.max - f.min) / f.step) + 1, f.id
        assert "{value}" in f.describe, f.id


def test_every_quote_is_verbatim_in_the_shipped_article(kb):
    article = SHIPPED_ARTICLE.read_text(encoding="utf-8")
    quotes = [(where, s["quote"]) for where, s in walk_sources(raw_kb()) if "quote" in s]
    assert len(quotes) > 40  # most relationships quote the article
    missing = [where for where, quote in quotes if quote not in article]
    assert missing == []
    # the loader's view agrees with the raw file
    assert all(s.quote in article for _, s in kb.sources() if s.quote is not None)


def test_a_changed_quote_would_be_caught():
    article = SHIPPED_ARTICLE.read_text(encoding="utf-8")
    quote = "They're often related to stress or anxiety."
    assert quote in article
    assert quote.replace("often", "usually") not in article


@pytest.mark.skipif(not SHARED_ARTICLE.exists(), reason="../shared/article not present")
def test_shipped_article_equals_the_shared_one():
    assert SHIPPED_ARTICLE.read_bytes() == SHARED_ARTICLE.read_bytes()


def test_every_relationship_has_a_source(kb):
    raw = raw_kb()
    for fid, spec in raw["findings"].items():
        assert "source" in spec and "source" in spec["background"], fid
    for cid, spec in raw["causes"].items():
        for key in ("source", "prior_source"):
            assert key in spec, cid
        assert "source" in spec["advice"], cid
        for fid, dist in spec["findings"].items():
            assert "source" in dist, f"{cid}.{fid}"
    for where, source in walk_sources(raw):
        # A triage rule may also follow public guidance (who says it, what, where: knowledge.Guidance).
        kinds = [k for k in ("quote", "published", "general_knowledge", "guidance") if source.get(k)]
        assert len(kinds) == 1, where
    # every distribution the generator uses (own or background) has a source
    for cid in kb.causes:
        for fid in kb.findings:
            d = kb.distribution(cid, fid)
            assert d.source.quote or d.source.general_knowledge or d.source.published, (cid, fid)


def test_every_number_has_a_graded_source(kb):
    """Every prior and likelihood: the article's sentence, a published figure, or general knowledge in its range."""
    numbers = list(kb.numbers())
    # every prior, every background and every cause's own distribution is graded
    assert len(numbers) == len(kb.causes) + len(kb.findings) + sum(len(c.findings) for c in kb.causes.values())
    kinds = {"article": 0, "published": 0, "general_knowledge": 0}
    for where, values, source in numbers:
        kinds[source.kind] += 1
        if source.kind == "published":
            p = source.published
            assert p["figure"].strip() and p["where"].strip() and p["derivation"].strip(), where
            assert isinstance(p["year"], int) and 1900 <= p["year"] <= 2100, where
            assert p["address"].startswith(("https://", "http://", "doi:")), where
        elif source.kind == "general_knowledge":
            assert source.general_knowledge.strip() and source.range is not None, where
            assert len(source.range) == len(values), where
            for value, (lo, hi) in zip(values, source.range):
                assert 0 < lo <= value <= hi <= 1, (where, value, lo, hi)
        else:
            assert source.quote in SHIPPED_ARTICLE.read_text(encoding="utf-8"), where
    assert all(n > 0 for n in kinds.values()), kinds
    # the causes the evidence rebased rest on published figures, not guesses
    for cid in ("nerve_damage", "neuromuscular_disease", "autoimmune", "benign_fasciculation"):
        assert kb.causes[cid].prior_source.kind == "published", cid


def test_rare_causes_have_their_published_size(kb):
    """ALS is well under 1% of people who look a twitch up, Isaacs syndrome far rarer; benign twitching is commonest."""
    prior = {c: kb.causes[c].prior for c in kb.cause_ids}
    assert prior["neuromuscular_disease"] < 0.01
    assert prior["autoimmune"] < prior["neuromuscular_disease"]
    assert 0.03 <= sum(prior[c] for c in kb.see_doctor_causes) <= 0.09
    assert max(prior, key=prior.get) == "benign_fasciculation"


def test_format_number():
    assert format_number(7.0) == "7"
    assert format_number(0.25) == "0.25"
    assert format_number(-3) == "-3"
    assert format_number(None) == "?"
    assert format_number(3650.5) == "3650.5"  # never rounds away what the user typed
    assert format_number(0.1 + 0.2) == "0.3"


# --- malformed copies: each names the broken entry ------------------------------------------


def _set(path: str, value):
    def change(raw):
        *parents, last = path.split("/")
        node = raw
        for key in parents:
            node = node[key]
        if value is _DELETE:
            del node[last]
        else:
            node[last] = value

    return change


_DELETE = object()

BROKEN = [
    (
        _set("causes/caffeine/findings/caffeine_cups_per_day/source", _DELETE),
        r"causes\.caffeine\.findings\.caffeine_cups_per_day\.source must have exactly one of",
    ),
    (
        _set("causes/alcohol/source", {"quote": "x", "general_knowledge": "y"}),
        r"causes\.alcohol\.source must have exactly one of",
    ),
    (
        _set("causes/alcohol/findings/water_liters_per_day/source", {"general_knowledge": "Heavy drinkers drink little water."}),
        r"causes\.alcohol\.findings\.water_liters_per_day\.source is general knowledge, so it must give a plausible 'range'",
    ),
    (
        _set("causes/stress_anxiety/findings/short_of_breath/source", {"general_knowledge": "x", "range": [0.1, 0.2]}),
        r"causes\.stress_anxiety\.findings\.short_of_breath\.source\.range: the number is 0\.06, which must lie in its "
        r"plausible range \[0\.1, 0\.2\]",
    ),
    (
        _set("causes/stress_anxiety/findings/stress_level/source", {"general_knowledge": "x", "range": [[0.01, 0.1]]}),
        r"causes\.stress_anxiety\.findings\.stress_level\.source\.range must be 4 pairs",
    ),
    (
        _set("causes/benign_fasciculation/findings/weakness/source/published/address", "a journal"),
        r"causes\.benign_fasciculation\.findings\.weakness\.source\.published\.address must be a URL or a doi:",
    ),
    (
        _set("causes/benign_fasciculation/findings/weakness/source/published/year", "2017"),
        r"causes\.benign_fasciculation\.findings\.weakness\.source\.published\.year must be a year",
    ),
    (
        _set("causes/benign_fasciculation/findings/weakness/source/published/derivation", _DELETE),
        r"causes\.benign_fasciculation\.findings\.weakness\.source\.published must have exactly the keys",
    ),
    (
        _set("causes/medication/findings/takes_diuretic/p_yes", 1.2),
        r"causes\.medication\.findings\.takes_diuretic\.p_yes must be strictly between 0 and 1 \(got 1\.2\)",
    ),
    (
        _set("causes/medication/findings/takes_diuretic/p_yes", "0.4"),
        r"causes\.medication\.findings\.takes_diuretic\.p_yes must be a finite number \(got '0\.4'\)",
    ),
    (
        _set("causes/caffeine/findings/caffeine_cups_per_day/weights", [0.5, 0.5]),
        r"causes\.caffeine\.findings\.caffeine_cups_per_day\.weights must be 5 positive numbers",
    ),
    (
        _set("causes/caffeine/findings/coffee", {"p_yes": 0.5, "source": {"quote": "x"}}),
        r"causes\.caffeine\.findings names unknown finding 'coffee'",
    ),
    (_set("causes/caffeine/prior", 0.2), r"cause priors must sum to 1"),
    (
        _set("findings/stress_level/bins", [[0, 2], [4, 5], [6, 7], [8, 10]]),
        r"findings\.stress_level\.bins must tile",
    ),
    (_set("findings/stress_level/bins", []), r"findings\.stress_level\.bins must tile 0\.0\.\.10\.0 \(got no bins\)"),
    (_set("findings/weakness/question", _DELETE), r"findings\.weakness is missing 'question'"),
    (_set("findings/weakness/background", _DELETE), r"findings\.weakness is missing 'background'"),
    (_set("findings/weakness/type", "boolean"), r"findings\.weakness\.type must be choice, yes/no or number"),
    (_set("findings/weakness/salience", 0), r"findings\.weakness\.salience must be more than 0"),
    (_set("findings/age_years/step", 0), r"findings\.age_years must have min < max and step > 0"),
    (
        _set("findings/hours_after_workout/requires", {"gym": True}),
        r"findings\.hours_after_workout\.requires names unknown finding 'gym'",
    ),
    (
        _set("findings/hours_after_workout/requires", {"stress_level": True}),
        r"findings\.hours_after_workout\.requires must name a yes/no finding as true",
    ),
    (
        _set("findings/movement/background/p", {"twitch": 1.0}),
        r"findings\.movement\.background\.p must give each of \('twitch', 'spasm'\)",
    ),
    (_set("triage/doctor_causes/causes", ["nerve_damage", "gout"]), r"doctor_causes\.causes names unknown cause 'gout'"),
    (_set("triage/rules/weakness/test", "often"), r"triage\.rules\.weakness\.test must be 'yes' for yes/no"),
    (_set("triage/rules/weakness/test", "more_than"), r"\(got 'more_than' for yes/no finding 'weakness'\)"),
    (_set("triage/rules/weakness/finding", "weak"), r"triage\.rules\.weakness\.finding names unknown finding 'weak'"),
    (_set("triage/rules/weakness/level", "soon"), r"triage\.rules\.weakness\.level must be one of self_care, "),
    (_set("triage/rules/weakness/level", "self_care"), r"triage\.rules\.weakness\.level must raise the urgency"),
    (_set("triage/rules/weakness/how_soon", "asap"), r"triage\.rules\.weakness\.how_soon must be one of triage"),
    (_set("triage/rules/weakness/unless", "gym"), r"triage\.rules\.weakness\.unless names unknown exception 'gym'"),
    (_set("triage/rules/weakness/source", {"guidance": "NHS", "says": "see a GP", "url": "nhs.uk"}),
     r"triage\.rules\.weakness\.source\.url must be an https:// address"),
    (_set("triage/rules/weakness/source", {"says": "see a GP"}), r"triage\.rules\.weakness\.source must have exactly one"),
    (_set("triage/rules/duration_days/value", 4000), r"duration_days\.value must be within duration_days's range"),
    (_set("triage/rules/duration_days/value", "long"), r"duration_days\.value must be a finite number"),
    (_set("triage/rules/weakness", {"finding": "movement", "test": "equals", "value": "cramp", "level": "urgent",
                                    "how_soon": "today", "text": "x", "source": {"quote": "x"}}),
     r"triage\.rules\.weakness\.value must be one of twitch, spasm \(got 'cramp'\)"),
    (_set("triage/exceptions/after_training/all", []), r"after_training\.all must be a non-empty list"),
    (_set("triage/levels/urgent", _DELETE), r"triage\.levels must give self_care, see_doctor, urgent, emergency"),
    (_set("triage/levels/emergency/safety_net", ""), r"triage\.levels\.emergency\.safety_net must be a non-empty"),
    (_set("triage/doctor_causes/at_least", 0), r"triage\.doctor_causes\.at_least must be more than 0"),
    (_set("answering/answer_counts", [[1.0, 0, 3]]), r"answering\.answer_counts entries must be"),
    (_set("format_version", 2), r"'format_version' must be 3 \(got 2\)"),
]


@pytest.mark.parametrize("change, message", BROKEN)
def test_malformed_kb_names_the_entry(tmp_path, change, message):
    raw = copy.deepcopy(raw_kb())
    change(raw)
    path = tmp_path / "knowledge_base.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=message):
        load_knowledge(path)


def test_unchanged_copy_loads(tmp_path):
    path = tmp_path / "knowledge_base.json"
    path.write_text(json.dumps(raw_kb()), encoding="utf-8")
    assert load_knowledge(path).finding_ids == load_knowledge().finding_ids


def test_invalid_json_and_duplicate_keys_are_refused(tmp_path):
    path = tmp_path / "knowledge_base.json"
    path.write_text('{"format_version": 1,', encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=r"is not valid JSON"):
        load_knowledge(path)
    text = KNOWLEDGE_FILE.read_text(encoding="utf-8")
    doubled = text.replace('"weakness": {', '"weakness": {"type": "yes/no", "type": "yes/no", ', 1)
    path.write_text(doubled, encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=r"'type' is given twice"):
        load_knowledge(path)
