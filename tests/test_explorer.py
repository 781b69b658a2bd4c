"""The offline explorer page, read as a file: its data, its self-containment, the commands that write it.

What the page does in a browser is tested in test_explorer_browser.py.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from bicep_twitch import Predictor
from bicep_twitch.cli import main
from bicep_twitch.core.words import edge_words
import bicep_twitch.draw.explorer as explorer_module
from bicep_twitch.draw.explorer import EXPLORER_NAME, explorer_data, explorer_html, write_explorer


@pytest.fixture(scope="module")
def predictor():
    return Predictor.load()


def _embedded(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="bicep-twitch-data">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def test_leaves_carry_exact_probabilities_and_inner_nodes_rounded_ones(predictor):
    tree = predictor.tree
    data = explorer_data(tree, predictor.kb)
    inner = [n for n in range(tree.node_count) if not tree.is_leaf(n)]
    for leaf in tree.leaves():
        assert data["tree"]["value"][leaf] == list(tree.value[leaf])
    for node in inner:
        assert data["tree"]["value"][node] == pytest.approx(list(tree.value[node]), abs=5e-5)
        # A probability above 0 or below 1 is never rounded to 0 or 1 (that would read "0%"/"100%").
        for shown, exact in zip(data["tree"]["value"][node], tree.value[node]):
            assert (shown == 0) == (exact == 0) and (shown == 1) == (exact == 1)
    assert data["summary"] == {"nodes": tree.node_count, "leaves": len(tree.leaves()), "depth": tree.depth()}


def test_branch_words_are_the_drawings_words(predictor):
    tree, kb = predictor.tree, predictor.kb
    data = explorer_data(tree, kb)
    words, left, right = data["words"], data["tree"]["edge_left"], data["tree"]["edge_right"]
    assert len(words) == len(set(words))  # each written once
    for node in range(tree.node_count):
        if tree.is_leaf(node):
            assert left[node] == right[node] == -1
            continue
        f = kb.findings[tree.features[tree.feature[node]]]
        assert (words[left[node]], words[right[node]]) == edge_words(f, tree.cut[node], tree.missing_go_to_left[node])


def test_the_page_is_one_self_contained_file(predictor):
    html = explorer_html(predictor.tree, predictor.kb)
    assert html.startswith("<!doctype html>") and html.rstrip().endswith("</html>")
    # Nothing to fetch: no external script, style, image, font or link target.
    assert not re.search(r"""\b(src|href)\s*=\s*["'](?!#|data:)""", html), "the page refers to a file or address"
    # The data (JSON, never fetched) quotes the guidance each triage rule follows with its address;
    # outside it there is no address at all, and inside it only those sources' ``url`` values.
    code = re.sub(r'<script type="application/json" id="bicep-twitch-data">.*?</script>', "", html, flags=re.S)
    assert not re.search(r"https?://|//cdn|@import|url\(", code)
    data_text = json.dumps(_embedded(html))
    urls = set(re.findall(r'"url": "(https://[^"]+)"', data_text))
    assert len(re.findall(r"https?://", data_text)) == len(re.findall(r'"url": "https://', data_text)) and urls
    assert "default-src 'none'" in html  # and the browser is told to load nothing if something slipped in
    data = _embedded(html)
    assert data["tree"]["left"] == list(predictor.tree.children_left)
    assert [f["id"] for f in data["findings"]] == list(predictor.kb.finding_ids)
    assert [c["id"] for c in data["causes"]] == list(predictor.kb.cause_ids)
    assert data["disclaimer"] == predictor.kb.disclaimer


def test_no_words_can_close_the_data_script(predictor):
    trap = "</script><script>alert(1)</script><!--"
    hostile = replace(predictor.kb, disclaimer=trap)  # the same knowledge base, a hostile disclaimer
    html = explorer_html(predictor.tree, hostile)
    assert trap not in html
    assert _embedded(html)["disclaimer"] == trap


def test_the_safety_screen_asks_red_flags_and_medicines(predictor):
    screen = explorer_data(predictor.tree, predictor.kb)["ask"]["screen"]
    kb = predictor.kb
    flags = list(dict.fromkeys(f.finding for f in kb.red_flags if not kb.findings[f.finding].requires))
    assert screen[: len(flags)] == flags
    assert set(screen[len(flags):]) == {"takes_corticosteroid", "takes_diuretic", "takes_synthetic_estrogen"}


def test_explore_command_writes_the_page(tmp_path, capsys, predictor):
    out = tmp_path / "sub" / "page.html"
    assert main(["explore", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert str(out) in printed and "kB" in printed
    assert out.read_text(encoding="utf-8") == explorer_html(predictor.tree, predictor.kb)


def test_explore_command_with_another_model(tmp_path, toy_model, capsys):
    out = tmp_path / "toy.html"
    assert main(["explore", "--model", str(toy_model), "--out", str(out)]) == 0
    data = _embedded(out.read_text(encoding="utf-8"))
    assert data["summary"]["leaves"] == 4 and data["tree"]["cut"][0] > 4.5


@pytest.mark.parametrize(
    "args, status, message",
    [
        (["--out", "page.svg"], 2, r"'out' must be a file name ending in \.html \(got 'page\.svg'\)"),
        (["--model", "no/such/model"], 2, r"no model at 'no/such/model'; train one"),  # as predict says it
    ],
)
def test_explore_command_bad_input(tmp_path, capsys, monkeypatch, args, status, message):
    monkeypatch.chdir(tmp_path)
    assert main(["explore", *args]) == status
    err = capsys.readouterr().err
    assert err.startswith("bicep-twitch explore: error: ") and re.search(message, err)
    assert not list(tmp_path.iterdir())


def test_write_explorer_replaces_the_page_whole(tmp_path, predictor):
    out = tmp_path / EXPLORER_NAME
    out.write_text("old", encoding="utf-8")
    write_explorer(predictor, out)
    assert out.read_text(encoding="utf-8").startswith("<!doctype html>")
    assert [p.name for p in tmp_path.iterdir()] == [EXPLORER_NAME]


def test_train_writes_the_page_and_a_failure_fails_train(small_data, tmp_path, monkeypatch):
    import bicep_twitch.draw.explorer as explorer

    out = tmp_path / "m"
    assert main(["train", "--data", str(small_data), "--out", str(out), "--seed", "3", "--no-pictures"]) == 0
    page = (out / EXPLORER_NAME).read_text(encoding="utf-8")
    assert _embedded(page)["tree"] == explorer_data(Predictor.load(out).tree, Predictor.load(out).kb)["tree"]

    def broken(tree, kb):
        raise RuntimeError("template missing")

    monkeypatch.setattr(explorer, "explorer_html", broken)
    again = tmp_path / "again"
    shutil.copytree(out, again)
    before = {p.name: p.read_bytes() for p in again.iterdir()}
    assert main(["train", "--data", str(small_data), "--out", str(again), "--seed", "4", "--no-pictures"]) == 1
    assert {p.name: p.read_bytes() for p in again.iterdir()} == before  # the old model with its own page


def _contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""
    def luminance(colour):
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_text_colours_have_enough_contrast(predictor):
    css = (Path(explorer_module.__file__).parent / "explorer" / "explorer.css").read_text(encoding="utf-8")
    colour = dict(re.findall(r"--([a-z]+):\s*(#[0-9a-f]{6})", css))
    pairs = [("ink", "paper"), ("muted", "paper"), ("muted", "wash"), ("muted", "lit"), ("accent", "paper"),
             ("doctor", "paper")]
    for fg, bg in pairs:
        assert _contrast(colour[fg], colour[bg]) >= 4.5, (fg, bg)
    assert _contrast("#ffffff", colour["accent"]) >= 4.5  # the answer buttons
    for cause in explorer_data(predictor.tree, predictor.kb)["causes"]:  # chip text on each cause's colour
        assert _contrast(colour["chipink"], cause["colour"]) >= 4.5, cause["id"]
