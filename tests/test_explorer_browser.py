"""The explorer page in a real browser: headless Chromium from the system's packages, driven by Playwright.

The page's predict, walk and triage (``logic.js``) are held to Python's answers without a
browser, under Node, by the golden cases (``tests/test_golden.py``). These tests keep what only
a browser shows: that loading and using the page makes no network request and logs no error,
that opening a node, searching and answering a question change what is shown, that the result
shows what ``predict`` says, that the page fits the screen, and that keys do what a person means.

Without Chromium (``make browser`` installs it) the tests are skipped locally; in CI (``CI`` set)
they fail instead, so they cannot silently stop running.
"""

from __future__ import annotations

import os
import shutil

import pytest

from bicep_twitch import Predictor
from bicep_twitch.core.cases import encode_case
from bicep_twitch.core.numbers import percent
from bicep_twitch.draw.explorer import write_explorer
from bicep_twitch.core.triage import emergency_screen, level_words
from bicep_twitch.predict.ask import SCREEN_QUESTION, screen_finding, walk_tree
from bicep_twitch.predict.result import triage_lines, used_answer_lines

IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _chromium() -> str | None:
    given = os.environ.get("BICEP_TWITCH_CHROMIUM")
    if given:
        return given
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"{reason}; CI must run the browser tests (install it with 'make browser')")
    pytest.skip(f"{reason}; install it with 'make browser' (root, apt) to run the browser tests")


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed (pip install -e '.[dev]')")
    executable = _chromium()
    if executable is None:
        _unavailable("no Chromium found on PATH (chromium or chromium-browser)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def predictor():
    return Predictor.load()


@pytest.fixture(scope="module")
def page_url(predictor, tmp_path_factory):
    out = tmp_path_factory.mktemp("explorer") / "explorer.html"
    write_explorer(predictor, out)
    return out.as_uri()


# A person who skips the description whenever it is offered (right after the emergency screen):
# the card is skipped as soon as it shows, before the test's next step.
SKIP_DESCRIPTION = """
new MutationObserver(() => {
  const card = document.querySelector("#question .card.describe");
  if (card) Array.from(card.querySelectorAll("button")).find((b) => b.textContent === "Skip").click();
}).observe(document, { childList: true, subtree: true });
"""
SCREEN_Q = "Does any of these apply now?"


class Watched:
    """A page with every request and every console error or uncaught exception recorded."""

    def __init__(self, browser, url, width=1280, height=900, describe=False):
        self.page = browser.new_page(viewport={"width": width, "height": height})
        if describe is False:
            self.page.add_init_script(SKIP_DESCRIPTION)
        self.requests, self.errors = [], []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.url = url
        self.page.goto(url)  # waits for the load event: the page's script has run by then
        assert self.page.evaluate("typeof window.bicepTwitch.predict") == "function"

    def check_quiet(self):
        assert self.requests == [self.url], f"the page made requests: {self.requests[1:]}"
        assert self.errors == [], f"console errors: {self.errors}"


@pytest.fixture
def watched(browser, page_url):
    w = Watched(browser, page_url)
    yield w
    w.page.close()


def _row(case, predictor):
    return encode_case(case, predictor.kb)


def _rows(page):
    return page.locator("#tree li.node").count()


def test_opening_a_node_shows_its_children(watched, predictor):
    page, tree = watched.page, predictor.tree
    before = _rows(page)
    closed = page.locator('#tree li.split[aria-expanded="false"]').first
    node = int(closed.get_attribute("data-node"))
    closed.locator("button.toggle").first.click()
    item = page.locator(f'#tree li[data-node="{node}"]')
    assert item.get_attribute("aria-expanded") == "true"
    assert _rows(page) == before + 2
    children = item.locator(":scope > ul > li")
    assert [int(children.nth(i).get_attribute("data-node")) for i in range(2)] == [
        tree.children_left[node], tree.children_right[node]]
    # The keyboard does the same: the focused toggle closes with the left arrow.
    page.keyboard.press("ArrowLeft")
    assert item.get_attribute("aria-expanded") == "false" and _rows(page) == before
    page.keyboard.press("Enter")
    assert item.get_attribute("aria-expanded") == "true" and _rows(page) == before + 2
    # A leaf opens onto its whole differential: a bar for every cause it gives a chance.
    leaf = tree.leaves()[-1]
    for node in _path_to(tree, leaf):  # open each closed node on the way down, then the leaf
        item = page.locator(f'#tree li[data-node="{node}"]')
        if item.get_attribute("aria-expanded") == "false":
            item.locator("button.toggle").first.click()
    shown = page.locator(f'#tree li[data-node="{leaf}"] .bars li')
    want = [c for c, p in predictor.leaf(leaf).differential if p > 0]
    assert shown.count() == len(want)
    mark = ["·", "doctor"] if want[0] in predictor.kb.see_doctor_causes else []  # causes for a doctor are marked
    assert shown.first.inner_text().split() == [*predictor.kb.causes[want[0]].label.split(), *mark,
                                                percent(predictor.leaf(leaf).probability)]
    watched.check_quiet()


def _path_to(tree, node: int) -> list[int]:
    """The node ids from the root down to ``node``."""
    parent = {c: n for n in range(tree.node_count) if not tree.is_leaf(n)
              for c in (tree.children_left[n], tree.children_right[n])}
    path = [node]
    while path[0] in parent:
        path.insert(0, parent[path[0]])
    return path


def test_search_lights_every_node_asking_about_a_finding(watched, predictor):
    page, tree = watched.page, predictor.tree
    asking = sum(1 for n in range(tree.node_count)
                 if not tree.is_leaf(n) and tree.features[tree.feature[n]] == "caffeine_cups_per_day")
    page.fill("#search", "coffee")
    assert f"asked at {asking:,} node" in page.locator("#search-status").inner_text()
    page.locator("#search-status button").click()
    assert page.locator("#tree li.lit").count() == asking
    watched.check_quiet()


def test_answering_moves_along_the_path_to_a_result(watched, predictor):
    page, tree, kb = watched.page, predictor.tree, predictor.kb
    screen = page.evaluate("window.bicepTwitch.data.ask.emergency")
    # The emergency screen first: one question, its signs listed; "no" answers each sign it fully covers.
    assert page.locator("#question .q").inner_text() == "Does any of these apply now?"
    assert page.locator("#question ul.signs li").all_inner_texts() == screen["signs"]
    assert screen_finding(kb).question == "Does any of these apply now: " + "; ".join(screen["signs"]) + "?"
    page.get_by_role("button", name="No", exact=True).click()
    root_finding = kb.findings[tree.features[tree.feature[0]]]
    assert page.locator("#question .q").inner_text() == root_finding.question
    assert page.locator("#tree li.current").get_attribute("data-node") == "0"
    implied = page.evaluate("window.bicepTwitch.data.ask.emergency.implied_no")
    answers: dict = dict.fromkeys(implied, False)
    asked = [SCREEN_QUESTION]
    first = True
    while page.locator("#question .result").count() == 0:
        question = page.locator("#question .q").inner_text()
        f = next(f for f in kb.findings.values() if f.question == question)
        asked.append(f.id)
        if first:  # the first answer is a real one; every later one is "don't know"
            if f.type == "number":
                page.fill("#question input", "3")
            page.locator("#question button.primary").first.click()  # "Yes", the first choice, or "OK"
            answers[f.id] = True if f.type == "yes/no" else 3 if f.type == "number" else f.choices[0]
            first = False
            on_path = [int(x) for x in page.locator("#tree li.on-path").evaluate_all("els => els.map(e => e.dataset.node)")]
            assert on_path[:2] == tree.decision_path(_row(answers, predictor))[:2]
            assert page.locator("#answers li").count() >= 2
        else:
            page.get_by_role("button", name="Don’t know").click()
            answers[f.id] = None
    # The questions were the one walk's: the screen, the tree's path, then the safety questions left.
    row = _row(answers, predictor)
    at = {fid: j for j, fid in enumerate(kb.finding_ids)}
    walked = walk_tree(tree, kb, lambda f: 0.0 if f.id == SCREEN_QUESTION else row[at[f.id]], screen=True)
    assert asked == [a.finding for a in walked.answers]
    want = predictor.predict(answers)
    assert page.locator(".result h3").inner_text() == f"Most likely: {want.label} ({percent(want.probability)})"
    assert page.locator(".result .disclaimer").inner_text() == kb.disclaimer
    n = len(asked)
    assert f"{n} questions asked: 2 answered, {n - 2} unknown" in page.locator(".result").inner_text()
    assert page.locator(f'#tree li[data-node="{want.leaf}"]').get_attribute("class").count("on-path") == 1
    # Changing the first answer goes back to the first question.
    page.locator("#answers li button").first.click()
    assert page.locator("#question .q").inner_text() == "Does any of these apply now?"
    watched.check_quiet()


@pytest.mark.parametrize("known", [{"takes_corticosteroid": True},
                                   {"takes_corticosteroid": True, "recent_arm_workout": True}])
def test_the_result_shows_why_the_path_and_what_would_make_it_surer(browser, page_url, predictor, known):
    """On a phone: yes/no answers from ``known``, "don't know" to every other question; the result
    shows what the text result shows, in the same order, and still fits the screen."""
    kb = predictor.kb
    w = Watched(browser, page_url, width=390, height=844)
    page = w.page
    by_question = {f.question: f for f in kb.findings.values()}
    answers: dict = {}
    while page.locator("#question .result").count() == 0:
        f = by_question.get(page.locator("#question .q").inner_text(), screen_finding(kb))  # the screen: don't know
        if f.id in known:
            page.get_by_role("button", name="Yes" if known[f.id] else "No", exact=True).click()
            answers[f.id] = known[f.id]
        else:
            page.get_by_role("button", name="Don’t know").click()
    assert answers == known
    want = predictor.predict(known)
    top = want.reasons[0]
    strong = [r for r in top.supporting + top.opposing if r.odds_ratio >= 1.1 or r.odds_ratio <= 1 / 1.1]
    shown = [r for r in strong if r.direction == "for"][:3] + [r for r in strong if r.direction == "against"][:2]
    items = page.locator(".result .reasons li").evaluate_all("els => els.map(e => e.textContent)")
    assert len(items) == len(shown) >= len(known)
    for text, r in zip(items, shown):
        assert r.said in text and r.factor_words in text and r.source_text in text, text
        if r.source_cause not in (None, r.cause):  # an answer that matters through another cause names it
            assert kb.causes[r.source_cause].label in text
    lists = page.locator(".result ul.why").evaluate_all("els => els.map(e => Array.from(e.children, li => li.textContent))")
    assert lists[1] == used_answer_lines(want)
    assert lists[2] == [q.question for q in want.open_questions[:3]]
    more = len(want.open_questions) - 3
    more_words = f"and {more} more on this path" if more > 0 else "more on this path"
    assert (more_words in page.locator(".result").inner_text()) == (more > 0)
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    w.check_quiet()
    w.page.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_page_fits_the_screen(browser, page_url, width):
    w = Watched(browser, page_url, width=width)
    overflow = w.page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than a {width}px screen"
    w.check_quiet()
    w.page.close()


def test_a_doctor_cause_first_and_causes_the_tree_never_saw(browser, toy_model, tmp_path):
    """The hand-built toy tree: a leaf whose top cause needs a doctor, and five causes it lacks (probability 0)."""
    toy = Predictor.load(toy_model)
    out = write_explorer(toy, tmp_path / "toy.html")
    w = Watched(browser, out.as_uri())
    cases = [{}, {"weakness": False}, {"caffeine_cups_per_day": 7}, {"caffeine_cups_per_day": 12, "weakness": True}]
    got = w.page.evaluate("cases => cases.map(c => window.bicepTwitch.predict(c))", cases)
    for case, page in zip(cases, got):
        want = toy.predict(case)
        assert (page["leaf"], page["cause"], page["triage"], tuple(page["red_flags"])) == (
            want.leaf, want.cause, want.triage, want.red_flags)
        assert [tuple(cp) for cp in page["differential"]] == list(want.differential)
    assert got[0]["cause"] == "neuromuscular_disease" and got[0]["red_flags"] == []
    assert got[0]["triage"] == "see_doctor"
    assert [r["text"] for r in got[0]["triage_reasons"]] == [r.text for r in toy.predict({}).triage_reasons]
    assert got[0]["triage_reasons"][0]["text"] == toy.kb.doctor_rule.first_text
    # Ties at 0 (the five causes the tree lacks among them) are ordered as in Python: compared above.
    assert sum(p == 0 for _, p in got[0]["differential"]) >= len(toy.kb.causes) - len(toy.tree.classes)
    w.check_quiet()
    w.page.close()


def test_a_person_typing_answers_only_what_they_typed(watched, predictor):
    """Keys as a person presses them: a number and Enter, then Enter again, Tab to a button, Space.

    Enter on a number used to answer the next question too ("Yes, I take a corticosteroid"): the
    key press submitted the number, focus moved to the next question's first button, and the same
    press clicked it. Every recorded answer must be one the person gave.
    """
    page, kb = watched.page, predictor.kb
    by_question = {f.question: f for f in kb.findings.values()}
    by_question["Does any of these apply now?"] = screen_finding(kb)
    typed: list[tuple[str, str]] = []
    for _ in range(12):
        if page.locator("#question .result").count():
            break
        question = page.locator("#question .q").inner_text()
        f = by_question[question]
        before = page.locator("#answers li .said").count()
        if f.type == "number":
            if page.evaluate("document.activeElement.tagName") != "INPUT":
                page.locator("#question input").click()  # the page opens with nothing focused
            page.keyboard.type("3")
            page.keyboard.press("Enter")
            typed.append((f.id, "3"))
        else:
            # Enter while the question itself has focus answers nothing ...
            if typed:
                assert page.evaluate("document.activeElement.className") == "q"
            page.keyboard.press("Enter")
            page.keyboard.press("Escape")
            assert page.locator("#answers li .said").count() == before
            assert page.locator("#question .q").inner_text() == question
            # ... a person tabs to "No" (the second button) and presses Space.
            page.keyboard.press("Tab")
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.textContent") == "No" or f.type == "choice"
            page.keyboard.press("Space")
            typed.append((f.id, "no" if f.type == "yes/no" else f.choices[1]))
        assert page.locator("#answers li .said").count() == before + 1, f"one key press answered more than {f.id}"
    said = page.locator("#answers li .said").all_inner_texts()
    assert len(said) == len(typed)
    for (fid, value), words in zip(typed, said):
        f = by_question[next(q for q, g in by_question.items() if g.id == fid)]
        if f.type == "number":
            assert words.startswith("3"), (fid, words)
        elif f.type == "yes/no":
            assert words.lower().startswith("no"), (fid, words)
    watched.check_quiet()


def test_the_description_box_reads_shows_and_takes_what_the_person_keeps(browser, page_url, predictor):
    """Typed and read with Enter; every line read shows its words; a removed line is asked later."""
    from bicep_twitch.core.describe import parse_description

    kb = predictor.kb
    text = "34M, bicep twitching for 3 weeks, no weakness, 5 coffees a day, on prednisone"
    read = [e for e in parse_description(text).evidence if e.finding in kb.findings]
    w = Watched(browser, page_url, describe=True)
    page = w.page
    # The emergency screen first, the description box right after its "no".
    assert page.locator("#question .q").inner_text() == SCREEN_Q and page.locator("#describe-text").count() == 0
    page.get_by_role("button", name="No", exact=True).click()
    assert page.locator("#question .q").inner_text().startswith("Describe it in your own words")
    page.locator("#describe-text").click()
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    lines = page.locator(".read-list li").all_inner_texts()
    assert len(lines) == len(read) >= 5
    for line, e in zip(lines, read):
        assert kb.findings[e.finding].question in line and f"(from \u201c{e.text}\u201d)" in line
    removed = read[1]
    page.get_by_role("button", name="Remove: " + kb.findings[removed.finding].question).click()
    assert page.locator(".read-list li").count() == len(read) - 1
    page.get_by_role("button", name="Use these answers").click()
    kept = {e.finding: e.value for e in read if e is not removed}
    screen_no = dict.fromkeys(page.evaluate("window.bicepTwitch.data.ask.emergency.implied_no"), False)
    asked = []
    while page.locator("#question .result").count() == 0:
        question = page.locator("#question .q").inner_text()
        f = next(f for f in kb.findings.values() if f.question == question)
        assert f.id not in kept, f"{f.id} was read from the description and asked again"
        asked.append(f.id)
        page.get_by_role("button", name="Don\u2019t know").click()
    want = predictor.predict({**screen_no, **kept})
    assert page.locator(".result h3").inner_text() == f"Most likely: {want.label} ({percent(want.probability)})"
    assert f"; {len(kept)} read from your description" in page.locator(".result").inner_text()
    # "change" on the description goes back to it, with everything after it forgotten; the screen's answer stays.
    page.get_by_role("button", name="Change your description").click()
    assert page.locator("#describe-text").count() == 1 and page.locator("#answers li").count() == 1
    # "change" on the screen's answer goes back to the screen, before the description.
    page.locator("#answers li button").first.click()
    assert page.locator("#question .q").inner_text() == SCREEN_Q and page.locator("#describe-text").count() == 0
    assert page.locator("#answers li").count() == 0
    w.check_quiet()
    w.page.close()


def test_an_emergency_hears_the_call_to_action_within_three_clicks_and_first(browser, page_url, predictor):
    """On a desktop: yes to the screen, yes to weakness, "Sudden": the questions end there, and the
    result opens in view with the call to action before any cause."""
    kb = predictor.kb
    w = Watched(browser, page_url, width=1280, height=700)
    page = w.page
    assert page.locator("#question .q").inner_text() == "Does any of these apply now?"
    page.get_by_role("button", name="Yes", exact=True).click()
    assert page.locator("#question .q").inner_text() == kb.findings["weakness"].question
    page.get_by_role("button", name="Yes", exact=True).click()
    assert page.locator("#question .q").inner_text() == kb.findings["weakness_onset"].question
    page.get_by_role("button", name="Sudden", exact=True).click()
    assert page.locator("#question .result").count() == 1 and page.locator("#answers li").count() == 3
    result = page.locator(".result").inner_text()
    want = predictor.predict({"weakness": True, "weakness_onset": "sudden"})
    flat = " ".join(" ".join(triage_lines(want)).split())  # the text's words, unwrapped
    pieces = [f"What to do: {level_words(kb, want.triage, want.how_soon)}, because:", f"Safety net: {want.safety_net}"]
    pieces += [f"{r.text} ({r.level.replace('_', ' ')}, {r.how_soon}; {r.source.name})" for r in want.triage_reasons]
    for piece in pieces:  # as the text says it, and before any cause
        assert piece in flat and result.index(piece) < result.index("Most likely:"), piece
    assert "No more questions: your answers call for emergency help now." in result
    assert "Safety net: Call 999" in result and "safety questions stayed unknown" not in result
    assert page.locator(".result .triage.emergency[role=alert]").count() == 1
    assert page.evaluate("document.activeElement.className") == "action"
    w.check_quiet()
    w.page.close()


def test_the_number_box_takes_units_and_refuses_the_wrong_kind(watched, predictor):
    from bicep_twitch.core.describe import read_answer
    from bicep_twitch._errors import InvalidCaseError

    page, kb = watched.page, predictor.kb
    page.get_by_role("button", name="No", exact=True).click()  # the emergency screen, first
    tried = 0
    for _ in range(40):
        if page.locator("#question .result").count():
            break
        question = page.locator("#question .q").inner_text()
        f = next(f for f in kb.findings.values() if f.question == question)
        if f.type != "number":
            page.get_by_role("button", name="Don\u2019t know").click()
            continue
        before = page.locator("#answers li .said").count()
        page.locator("#question input").fill("3 kg")
        page.keyboard.press("Enter")
        assert "\u201ckg\u201d is not a unit of this question" in page.locator("#question .error").inner_text()
        assert page.locator("#answers li .said").count() == before
        typed = "3 weeks" if f.unit == "days" else "2 hours" if "hours" in f.unit else "2"
        try:
            want = read_answer(f, typed)
        except InvalidCaseError:
            want = None
        page.locator("#question input").fill(typed)
        page.keyboard.press("Enter")
        said = page.locator("#answers li .said").all_inner_texts()[-1]
        assert want is not None and said.startswith(f"{want:g} "), (f.id, typed, said)
        tried += 1
    assert tried >= 1
    watched.check_quiet()


@pytest.mark.parametrize("text, case", [
    ("bicep twitching started 2 hours after my workout",
     {"movement": "twitch", "recent_arm_workout": True, "hours_after_workout": 2}),  # the workout implied
    ("twitching 2 hours after my workout. no gym in 5 days",
     {"movement": "twitch", "recent_arm_workout": False}),  # the follow-up left out, never contradicted
])
def test_a_follow_up_in_the_description_never_contradicts_its_precondition(browser, page_url, predictor, text, case):
    w = Watched(browser, page_url, describe=True)
    page = w.page
    page.get_by_role("button", name="No", exact=True).click()  # the emergency screen, first
    page.locator("#describe-text").fill(text)
    page.get_by_role("button", name="Read it").click()
    page.get_by_role("button", name="Use these answers").click()
    while page.locator("#question .result").count() == 0:
        page.get_by_role("button", name="Don\u2019t know").click()
    want = predictor.predict({**dict.fromkeys(page.evaluate("window.bicepTwitch.data.ask.emergency.implied_no"), False), **case})
    assert page.locator(".result h3").inner_text() == f"Most likely: {want.label} ({percent(want.probability)})"
    assert f"; {len(case)} read from your description" in page.locator(".result").inner_text()


def test_a_weakness_described_after_a_no_to_the_screen_is_asked_how_it_came_on(browser, page_url, predictor):
    """The screen's "no" does not cover weakness; written in the description, how it came on is
    asked next as a question (not the description box again), and "Sudden" ends the questions."""
    kb = predictor.kb
    w = Watched(browser, page_url, describe=True)
    page = w.page
    page.get_by_role("button", name="No", exact=True).click()
    page.locator("#describe-text").fill("my arm feels weak")
    page.get_by_role("button", name="Read it").click()
    page.get_by_role("button", name="Use these answers").click()
    assert page.locator("#describe-text").count() == 0
    assert page.locator("#question .q").inner_text() == kb.findings["weakness_onset"].question
    page.get_by_role("button", name="Sudden", exact=True).click()
    assert "No more questions: your answers call for emergency help now." in page.locator(".result").inner_text()
    assert page.locator(".result .triage.emergency[role=alert]").count() == 1
    w.check_quiet()
    w.page.close()


def test_a_follow_up_described_never_contradicts_the_screen_s_answer(browser, page_url, predictor):
    """No weakness on the screen, then "weakness came on over months" in the description: how it
    came on is left out (the answers never contradict each other) and the page goes on to a result."""
    kb = predictor.kb
    w = Watched(browser, page_url, describe=True)
    page = w.page
    page.get_by_role("button", name="Yes", exact=True).click()
    for _ in emergency_screen(kb)["findings"]:  # each sign: no
        page.get_by_role("button", name="No", exact=True).click()
    page.locator("#describe-text").fill("weakness came on over months")
    page.get_by_role("button", name="Read it").click()
    page.get_by_role("button", name="Use these answers").click()
    while page.locator("#question .result").count() == 0:
        assert page.locator("#question .q").inner_text() != kb.findings["weakness_onset"].question
        page.get_by_role("button", name="Don\u2019t know").click()
    assert kb.findings["weakness_onset"].question not in page.locator("#answers").inner_text()
    assert page.locator(".result h3").inner_text().startswith("Most likely: ")
    w.check_quiet()
    w.page.close()


def test_the_result_opens_in_view_with_the_safety_reminder(browser, page_url, predictor):
    """On a desktop, after a "no" and "don't know" to everything: the result is scrolled into view
    (it opens below a long list of answers) and says what to do if an unknown safety question applies."""
    kb = predictor.kb
    w = Watched(browser, page_url, width=1280, height=700)
    page = w.page
    page.get_by_role("button", name="No", exact=True).click()
    while page.locator("#question .result").count() == 0:
        page.get_by_role("button", name="Don’t know").click()
    box = page.evaluate("(() => { const r = document.querySelector('.result').getBoundingClientRect();"
                        " return [r.top, window.innerHeight]; })()")
    assert 0 <= box[0] < box[1] / 2, box
    assert page.evaluate("window.scrollY") == 0  # only the questions' pane scrolled: the page header stays
    reminder = page.locator(".result .reminder").inner_text()
    assert "safety questions stayed unknown. If any of these applies, act on it: " in reminder
    assert "see a doctor within" in reminder and "See a doctor if any" not in reminder
    w.check_quiet()
    w.page.close()
