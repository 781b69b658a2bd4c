"""The rendered tree: words and units, colours, the legend, a case's path, the depth overview.

A hand-built toy tree (below) gives exact expectations; the session's small trained model
checks the same properties on a real tree and through the command line.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import struct
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest

from bicep_twitch import InvalidCaseError
from bicep_twitch.core.words import amount_words, branch_words, edge_words, grid_neighbours
from bicep_twitch.draw.files import render_tree, write_model_pictures
from bicep_twitch.draw.scene import build_scene
from bicep_twitch.draw.style import CAUSE_COLOURS, cause_colour
from bicep_twitch.core.numbers import format_number
from bicep_twitch.core.tree import TreeData
from bicep_twitch.cli import main

SVG = "{http://www.w3.org/2000/svg}"

# Toy tree over the real findings (knowledge-base order), nodes depth-first:
#   0 caffeine_cups_per_day <= 4.5 (unknown goes left)
#     1 movement <= 0.5 (twitch left; unknown goes right)
#       2 leaf: stress_anxiety 0.7
#       3 leaf: exercise_overuse 0.6
#     4 weakness <= 0.5 (unknown goes right)
#       5 leaf: caffeine 0.8
#       6 leaf: neuromuscular_disease 0.9
TOY_CLASSES = ("caffeine", "exercise_overuse", "neuromuscular_disease", "stress_anxiety")


def toy_tree(kb) -> TreeData:
    f = list(kb.finding_ids)
    return TreeData.from_arrays(
        features=f,
        classes=TOY_CLASSES,
        children_left=[1, 2, -1, -1, 5, -1, -1],
        children_right=[4, 3, -1, -1, 6, -1, -1],
        feature=[f.index("caffeine_cups_per_day"), f.index("movement"), -2, -2, f.index("weakness"), -2, -2],
        threshold=[4.5, 0.5, -2.0, -2.0, 0.5, -2.0, -2.0],
        missing_go_to_left=[1, 0, 0, 0, 0, 0, 0],
        value=[
            [0.3, 0.2, 0.2, 0.3],
            [0.1, 0.3, 0.1, 0.5],
            [0.1, 0.1, 0.1, 0.7],
            [0.1, 0.6, 0.1, 0.2],
            [0.5, 0.0, 0.4, 0.1],
            [0.8, 0.0, 0.1, 0.1],
            [0.05, 0.0, 0.9, 0.05],
        ],
        n_samples=[1000, 600, 300, 300, 400, 250, 150],
    )


@pytest.fixture
def toy(kb):
    return SimpleNamespace(tree=toy_tree(kb), kb=kb)


def groups(svg_path, prefix: str) -> dict[str, set[str]]:
    """SVG group id -> its classes, for the groups whose id starts with ``prefix``."""
    root = ET.parse(svg_path).getroot()
    return {
        g.get("id"): set(g.get("class", "").split())
        for g in root.iter(f"{SVG}g")
        if g.get("id", "").startswith(prefix)
    }


def svg_text(svg_path) -> str:
    return " ".join(t.text or "" for t in ET.parse(svg_path).getroot().iter(f"{SVG}text"))


def png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


# -- words ----------------------------------------------------------------------------------------


def test_branch_words_use_the_findings_grid_and_units(kb):
    f = kb.findings
    assert branch_words(f["caffeine_cups_per_day"], 4.5) == ("up to 4 cups a day", "more than 4 cups a day")
    assert branch_words(f["duration_days"], 14.125) == ("up to 14 days", "more than 14 days")
    assert branch_words(f["hours_after_workout"], 0.25) == ("0 hours", "more than 0 hours")
    assert branch_words(f["stress_level"], 9.5) == ("up to 9 out of 10", "more than 9 out of 10")
    assert branch_words(f["sleep_hours"], 1.25) == ("up to 1 hour a night", "more than 1 hour a night")
    assert branch_words(f["takes_diuretic"], 0.5) == ("no", "yes")
    assert branch_words(f["movement"], 0.5) == ("twitch", "spasm")


@pytest.mark.parametrize("fid", ["caffeine_cups_per_day", "duration_days", "water_liters_per_day", "age_years"])
@pytest.mark.parametrize("k", [0, 3, 17])
def test_branch_words_put_every_grid_value_on_the_side_the_tree_sends_it(kb, fid, k):
    f = kb.findings[fid]
    threshold = f.min + (k + 0.5) * f.step  # scikit-learn splits midway between grid values
    tree = TreeData.from_arrays(features=[fid], classes=["a"], children_left=[1, -1, -1], children_right=[2, -1, -1],
                                feature=[0, -2, -2], threshold=[threshold, -2, -2], missing_go_to_left=[0, 0, 0],
                                value=[[1.0]] * 3, n_samples=[2, 1, 1])
    low, high = grid_neighbours(f, tree.cut[0])
    assert tree.goes_left(0, low) and not tree.goes_left(0, high)
    assert math.isclose(high - low, f.step)
    left, right = branch_words(f, tree.cut[0])
    assert left.endswith(amount_words(f, low)) and right == f"more than {amount_words(f, low)}"


def test_edge_words_mark_where_unknown_goes_and_answered_or_not_splits(kb):
    f = kb.findings["weakness"]
    assert edge_words(f, 0.5, True) == ("no or unknown", "yes")
    assert edge_words(f, 0.5, False) == ("no", "yes or unknown")
    assert edge_words(f, math.inf, False) == ("answered", "unknown")


def test_colours_are_fixed_by_cause_id(kb):
    assert set(CAUSE_COLOURS) == set(kb.cause_ids)
    assert len(set(CAUSE_COLOURS.values())) == len(CAUSE_COLOURS)
    assert cause_colour("not_a_cause") == cause_colour("not_a_cause") != cause_colour("another")


# -- the toy tree ----------------------------------------------------------------------------------


def test_scene_of_the_toy_tree_in_words(toy):
    scene = build_scene(toy.tree, toy.kb)
    assert [(n.id, n.kind, n.text) for n in scene.nodes] == [
        (0, "split", "cups of coffee or the like a day?"),
        (1, "split", "kind of movement?"),
        (2, "leaf", "Stress or anxiety · 70%"),
        (3, "leaf", "Heavy or intense arm exercise · 60%"),
        (4, "split", "arm weakness?"),
        (5, "leaf", "Too much caffeine · 80%"),
        (6, "leaf", "Disease of motor neurons or muscle · 90%"),
    ]
    assert [(e.parent, e.child, e.text) for e in scene.edges] == [
        (0, 1, "up to 4 cups a day or unknown"),
        (0, 4, "more than 4 cups a day"),
        (1, 2, "twitch"),
        (1, 3, "spasm or unknown"),
        (4, 5, "no"),
        (4, 6, "yes or unknown"),
    ]


def test_svg_parses_names_every_leaf_cause_and_colours_by_cause(toy, tmp_path):
    paths = render_tree(toy, tmp_path / "tree.svg")
    assert set(paths) == {"svg", "png", "dot"} and all(p.exists() for p in paths.values())
    nodes = groups(paths["svg"], "node-")
    assert nodes == {
        "node-0": {"node", "split"}, "node-1": {"node", "split"}, "node-4": {"node", "split"},
        "node-2": {"node", "leaf"}, "node-3": {"node", "leaf"}, "node-5": {"node", "leaf"}, "node-6": {"node", "leaf"},
    }
    text = svg_text(paths["svg"])
    for cause in ("stress_anxiety", "exercise_overuse", "caffeine", "neuromuscular_disease"):
        assert toy.kb.causes[cause].label in text  # the legend names it in full
    assert "caffeine_cups_per_day" not in text and "4.5" not in text  # words, not columns
    svg = paths["svg"].read_text()
    leaf5 = svg[svg.index('id="node-5"'):svg.index('id="node-6"')]
    assert f"fill: {CAUSE_COLOURS['caffeine']}" in leaf5
    legend = {g.get("id")[len("legend-"):] for g in ET.parse(paths["svg"]).getroot().iter(f"{SVG}g")
              if g.get("id", "").startswith("legend-")}
    assert legend == {"stress_anxiety", "exercise_overuse", "caffeine", "neuromuscular_disease"}  # only those drawn
    assert "no box" not in svg
    width, height = png_size(paths["png"])
    assert width > 900 and height > 300


def test_case_marks_exactly_its_path(toy, tmp_path):
    case = {"caffeine_cups_per_day": 7, "weakness": True}
    paths = render_tree(toy, tmp_path / "case.svg", case=case)
    nodes = groups(paths["svg"], "node-")
    on_path = {gid for gid, cls in nodes.items() if "on-path" in cls}
    assert on_path == {"node-0", "node-4", "node-6"}
    assert all("faded" in cls for gid, cls in nodes.items() if gid not in on_path)
    assert set(groups(paths["svg"], "edge-")) == {"edge-0-4", "edge-4-6"}
    assert {g for g, cls in groups(paths["svg"], "label-").items() if "on-path" in cls} == {"label-4", "label-6"}
    assert "◀ this case" in svg_text(paths["svg"])
    dot = paths["dot"].read_text()
    assert dot.count('class="node leaf on-path"') == 1 and 'id="node-6"' in dot


def test_unknown_answers_follow_the_learned_branch(toy, tmp_path):
    # caffeine unknown goes left, movement unknown goes right: path 0 -> 1 -> 3.
    paths = render_tree(toy, tmp_path / "t.svg", case={"age_years": 40})
    assert {g for g, c in groups(paths["svg"], "node-").items() if "on-path" in c} == {"node-0", "node-1", "node-3"}


def test_depth_overview_summarises_below_the_cut(toy, tmp_path):
    scene = build_scene(toy.tree, toy.kb, depth=1, case={"caffeine_cups_per_day": 2, "movement": "spasm"})
    assert [(n.id, n.kind, n.on_path) for n in scene.nodes] == [(0, "split", True), (1, "cut", True), (4, "cut", False)]
    assert scene.node(1).text == "2 leaves below, 600 cases\nmost likely Stress or anxiety · 50%"
    assert scene.end_note == "◀ this case: 1 more question below, ending at Heavy or intense arm exercise · 60%"
    paths = render_tree(toy, tmp_path / "d.svg", depth=1)
    assert groups(paths["svg"], "node-") == {
        "node-0": {"node", "split"}, "node-1": {"node", "cut"}, "node-4": {"node", "cut"},
    }
    assert "the top 1 of its 2 levels" in svg_text(paths["svg"])
    # A case's picture always shows its whole path: a depth cut with it is refused, nothing written.
    with pytest.raises(ValueError, match=r"'depth' draws the top of the whole tree.*\(got depth=1 with a case\)"):
        render_tree(toy, tmp_path / "e.svg", depth=1, case={"movement": "spasm"})
    assert not (tmp_path / "e.svg").exists()


def test_depth_beyond_the_tree_draws_it_all(toy):
    assert len(build_scene(toy.tree, toy.kb, depth=50).nodes) == toy.tree.node_count


@pytest.mark.parametrize(
    "case, message",
    [
        ({"stress_level": 11}, r"'stress_level' must be a number from 0 to 10 \(got 11\)"),
        ({"stres_level": 1}, r"unknown finding 'stres_level'; did you mean 'stress_level'\?"),
        ({"movement": "jerk"}, r"'movement' must be one of 'twitch', 'spasm' \(got 'jerk'\)"),
    ],
)
def test_bad_case_is_refused_and_nothing_is_written(toy, tmp_path, case, message):
    with pytest.raises(InvalidCaseError, match=message):
        render_tree(toy, tmp_path / "t.svg", case=case)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("depth", [0, -1, 1.5, True])
def test_bad_depth(toy, tmp_path, depth):
    with pytest.raises(ValueError, match=r"'depth' must be a whole number from 1"):
        render_tree(toy, tmp_path / "t.svg", depth=depth)


def test_out_must_be_an_svg(toy, tmp_path):
    with pytest.raises(ValueError, match=r"'out' must be a file name ending in .svg"):
        render_tree(toy, tmp_path / "tree.png")


# -- a trained tree --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained(small_model):
    from bicep_twitch.predict.predictor import Predictor

    return Predictor.load(small_model)


def test_write_model_pictures_draws_the_whole_trained_tree(trained, small_model, tmp_path):
    folder = shutil.copytree(small_model, tmp_path / "model")
    for name in ("tree.svg", "tree.png", "tree.dot", "tree-overview.svg", "tree-overview.png", "tree-overview.dot"):
        (folder / name).unlink(missing_ok=True)
    paths = write_model_pictures(folder)
    assert paths == {
        "svg": folder / "tree.svg", "png": folder / "tree.png", "dot": folder / "tree.dot",
        "overview_svg": folder / "tree-overview.svg", "overview_png": folder / "tree-overview.png",
        "overview_dot": folder / "tree-overview.dot",
    }
    assert all(path.stat().st_size > 0 for path in paths.values())
    overview_nodes = groups(paths["overview_svg"], "node-")
    assert 1 < len(overview_nodes) < len(groups(paths["svg"], "node-")) or trained.tree.depth() <= 4
    assert png_size(paths["png"])[1] > 100
    tree = trained.tree
    nodes = groups(paths["svg"], "node-")
    assert len(nodes) == tree.node_count
    assert sum("leaf" in cls for cls in nodes.values()) == len(tree.leaves())
    predicted = {tree.classes[max(range(len(tree.classes)), key=lambda k: tree.value[leaf][k])] for leaf in tree.leaves()}
    legend = {g.get("id")[len("legend-"):]: " ".join(t.text for t in g.iter(f"{SVG}text"))
              for g in ET.parse(paths["svg"]).getroot().iter(f"{SVG}g") if g.get("id", "").startswith("legend-")}
    assert set(legend) == predicted  # the legend lists the causes with a box, no others
    for cause in predicted:
        assert legend[cause].startswith(trained.kb.causes[cause].label)
        assert "no box" not in legend[cause]
    assert paths["dot"].read_text().count(" -> ") == tree.node_count - 1


def test_trained_tree_case_path_matches_the_predictor(trained, tmp_path):
    case = {"movement": "spasm", "recent_arm_workout": True, "hours_after_workout": 1, "stress_level": 3}
    result = trained.predict(case)
    path = trained.tree.decision_path(_row(trained, case))
    assert path[-1] == result.leaf
    paths = render_tree(trained, tmp_path / "c.svg", case=case)
    nodes = groups(paths["svg"], "node-")
    on_path = {gid for gid, cls in nodes.items() if "on-path" in cls}
    assert on_path == {f"node-{n}" for n in path}  # the whole path, root to leaf
    # Every other node drawn is the one branch each decision did not take.
    assert len(nodes) == 2 * len(path) - 1
    row = _row(trained, case)
    for node in path[:-1]:
        answered = row[trained.tree.feature[node]] == row[trained.tree.feature[node]]
        assert ("answered" if answered else "unanswered") in nodes[f"node-{node}"]
    assert {"answered", "unanswered"} <= set().union(*nodes.values())


def _row(predictor, case):
    from bicep_twitch.core.cases import encode_case

    return encode_case(case, predictor.kb)


# -- the command -----------------------------------------------------------------------------------


def test_render_command_marks_the_case_and_prints_predicts_explanation(trained, small_model, tmp_path, capsys):
    case = {"movement": "spasm", "weakness": True}
    out = tmp_path / "pics" / "tree.svg"
    assert main(["render", "--model", str(small_model), "--out", str(out), "--case", json.dumps(case)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"wrote {out}, {out.with_suffix('.png')}, {out.with_suffix('.dot')}\n\n")
    assert printed.endswith(trained.predict(case).text())
    assert any("on-path" in cls for cls in groups(out, "node-").values())


def test_render_command_case_file(small_model, tmp_path, capsys):
    case_file = tmp_path / "case.json"
    case_file.write_text('{"stress_level": "8"}')  # text values as on the command line, like predict
    assert main(["render", "--model", str(small_model), "--out", str(tmp_path / "t.svg"),
                 "--case-file", str(case_file)]) == 0
    assert "Most likely:" in capsys.readouterr().out


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--case", '{"stress_level": 11}'], "'stress_level' must be a number from 0 to 10 (got 11)"),
        (["--case", "[1]"], "--case must be a JSON object"),
        (["--case", "{}", "--case-file", "x.json"], "give --case or --case-file, not both"),
        (["--case", "{}", "--depth", "3"], "'depth' draws the top of the whole tree"),
    ],
)
def test_render_command_bad_input_exits_2(small_model, tmp_path, capsys, extra, message):
    status = main(["render", "--model", str(small_model), "--out", str(tmp_path / "t.svg"), *extra])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("bicep-twitch render: error: ") and message in err
    assert not (tmp_path / "t.svg").exists()


def test_render_command_missing_model_says_how_to_train(tmp_path, capsys):
    status = main(["render", "--model", str(tmp_path / "nothing"), "--out", str(tmp_path / "t.svg")])
    err = capsys.readouterr().err
    assert status == 2 and "no model at" in err and re.search(r"bicep-twitch train", err)


def test_render_command_depth_must_be_positive(small_model, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["render", "--model", str(small_model), "--depth", "0"])
    assert exc.value.code == 2 and "must be at least 1 (got 0)" in capsys.readouterr().err


def test_a_deep_case_path_stays_legible_and_as_wide(kb, tmp_path):
    from bicep_twitch.draw.files import TreeAndWords
    from bicep_twitch.draw.layout import Measure, lay_out
    from bicep_twitch.draw.scene import build_case_scene
    from test_reasons import chain_tree

    yes_no = [fid for fid, f in kb.findings.items() if f.type == "yes/no" and not f.requires]
    case = {yes_no[0]: False, yes_no[5]: False}
    layouts = {}
    for depth in (3, len(yes_no)):
        tree = chain_tree(kb, yes_no[:depth])
        scene = build_case_scene(tree, kb, case)
        assert [n.id for n in scene.nodes if n.on_path] == tree.decision_path(
            [0.0 if fid in case else float("nan") for fid in kb.finding_ids])
        assert [n.answered for n in scene.nodes if n.kind == "split"] == [
            fid in case for fid in yes_no[:depth]]
        layouts[depth] = lay_out(scene, Measure())
    deep = layouts[len(yes_no)]
    assert deep.legible  # every word on the PNG, at this depth too
    assert deep.width == pytest.approx(layouts[3].width, abs=1.0)  # grows down, not across
    paths = render_tree(TreeAndWords(chain_tree(kb, yes_no), kb), tmp_path / "deep.svg", case=case)
    assert groups(paths["svg"], "node-")["node-0"] == {"node", "split", "on-path", "answered"}


def test_every_picture_says_when_to_see_a_doctor_medicines_included(kb):
    from bicep_twitch.draw.scene import doctor_note

    note = doctor_note(kb)
    assert note.startswith(kb.disclaimer)
    for flag in kb.red_flags:
        assert flag.text in note
    for flag in kb.medicine_flags:
        assert kb.findings[flag.finding].name in note
    assert "doctor who prescribed it" in note


def test_case_heading_is_in_words_and_counts_each_finding_answered_once(kb):
    from bicep_twitch import Predictor
    from bicep_twitch.draw.scene import build_case_scene

    predictor = Predictor.load()
    case = {"movement": "spasm", "recent_arm_workout": True, "hours_after_workout": 1, "duration_days": 0.1,
            "age_years": 28, "caffeine_cups_per_day": 7}
    scene = build_case_scene(predictor.tree, kb, case)
    title, given = scene.header[:2]
    assert "=" not in given and "recent_arm_workout" not in given and "movement" not in given
    assert kb.findings["movement"].choice_text["spasm"] in given and "is 28 years old" in given
    tested = [predictor.tree.features[predictor.tree.feature[n]] for n in scene.path[:-1]]
    answered = {fid for fid in tested if fid in case}
    assert len(tested) > len(set(tested))  # the path asks some finding twice: a count of decisions would differ
    assert title.endswith(f"{len(answered)} of them answered")
    drawn = {n.cause for n in scene.nodes if n.cause is not None}
    assert {cid for cid, _, _ in scene.causes} == drawn
    overview = build_scene(predictor.tree, kb, depth=3, case=case)
    marked = next(line for line in overview.header if line.startswith("Marked in bold"))
    assert "is 28 years old" in marked and "=" not in marked and "age_years" not in marked
