"""``bicep-twitch findings``: every finding with its question and the values it allows, as the
knowledge base has them and as the readers accept them."""

from __future__ import annotations

import json

import pytest

from bicep_twitch import InvalidCaseError
from bicep_twitch.cli import main
from bicep_twitch.cli.findings import findings_text
from bicep_twitch.core.cases import encode_case, kind_of, parse_text
from bicep_twitch.core.knowledge import load_knowledge

KB = load_knowledge()


def listed(capsys, *argv):
    assert main(["findings", *argv]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return out


def test_json_lists_every_finding_as_the_knowledge_base_has_it(capsys):
    records = json.loads(listed(capsys, "--format", "json"))
    assert [r["id"] for r in records] == list(KB.finding_ids)
    for r in records:
        f = KB.findings[r["id"]]
        assert (r["type"], r["question"], r["allowed"], r["requires"]) == (f.type, f.question, kind_of(f).allowed(f), dict(f.requires))
        if f.type == "choice":
            assert [c["value"] for c in r["choices"]] == list(f.choices) and all(c["meaning"] for c in r["choices"])
        elif f.type == "number":
            assert (r["min"], r["max"], r["step"], r["unit"]) == (f.min, f.max, f.step, f.unit)
        else:
            assert "choices" not in r and "min" not in r


def test_what_is_listed_is_what_is_accepted(capsys):
    # The listing and the readers must agree: every listed value reads, the next step out does not.
    for r in json.loads(listed(capsys, "--format", "json")):
        f = KB.findings[r["id"]]
        parents = {parent: wanted for parent, wanted in r["requires"].items()}
        if r["type"] == "number":
            for good in (r["min"], r["max"], r["min"] + r["step"]):
                encode_case({**parents, f.id: good}, KB)
            for bad in (r["min"] - r["step"], r["max"] + r["step"]):
                with pytest.raises(InvalidCaseError, match=f"'{f.id}' must be a number from"):
                    encode_case({f.id: bad}, KB)
        elif r["type"] == "choice":
            for c in r["choices"]:
                assert encode_case({**parents, f.id: c["value"]}, KB)
                assert parse_text(f, c["value"].upper()) == f.choices.index(c["value"])
        else:
            assert [parse_text(f, word) for word in ("yes", "No", "true", "0")] == [1.0, 0.0, 1.0, 0.0]


def test_text_gives_each_finding_its_question_and_allowed_values(capsys):
    text = listed(capsys)
    assert text.startswith(f"{len(KB.findings)} findings. Every one is optional")
    blocks = text.split("\n\n")[2:]
    assert len(blocks) == len(KB.findings)
    for block, f in zip(blocks, KB.findings.values()):
        heading, *rest = block.strip("\n").split("\n")
        assert heading.startswith(f"{f.id} ({f.type}")
        body = " ".join(line.strip() for line in rest)
        assert f.question in body
        if f.type == "number":
            assert f"from {f.min:g} to {f.max:g}" in body and f"step {f.step:g}" in body
        elif f.type == "choice":
            assert all(f"{c} (" in body for c in f.choices)
        else:
            assert "yes or no" in body
        for parent in f.requires:
            assert f"only when {parent} is" in body


def test_text_is_wrapped_to_the_width_asked():
    for width in (60, 100):
        assert max(len(line) for line in findings_text(KB, width=width).splitlines()) <= width
