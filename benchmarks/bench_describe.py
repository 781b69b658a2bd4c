"""Reading descriptions: precision, recall and inverted negations on the test set, and parse speed.

The test set is ``tests/data/descriptions.json``: descriptions written as people write in forums,
each with the findings a careful reader takes. Its held-out part was written with the rest, before
the reader, and never used to tune it: it is reported on its own, as the honest figure.

A finding counts as right when its value is the expected one; a finding read but not expected, or
read with another value, is a false reading; an expected finding not read is missed. An inverted
negation is a yes/no finding read as the opposite of what the text says (the worst misread).

The alternatives measured in the same run (each a ratio against our own reader):
* number words: ``text2num.alpha2digit`` turning number words into digits before reading;
* misspellings: ``rapidfuzz`` instead of the standard library's ``difflib``.
Each is measured only if it is installed (``pip install text2num rapidfuzz``).

Usage: python benchmarks/bench_describe.py [--repeat N] [--show]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path

from bicep_twitch.core import describe

CASES = Path(__file__).resolve().parents[1] / "tests" / "data" / "descriptions.json"


def score(cases, parse) -> dict:
    tp = fp = fn = inverted = 0
    wrong = []
    for case in cases:
        got = parse(case["text"])
        want = case["expect"]
        for fid, value in got.items():
            if fid in want and want[fid] == value:
                tp += 1
            else:
                fp += 1
                if isinstance(value, bool) and want.get(fid) is (not value):
                    inverted += 1
                wrong.append((case["id"], fid, value, want.get(fid)))
        for fid, value in want.items():
            if got.get(fid) != value:
                fn += 1
                if fid not in got:
                    wrong.append((case["id"], fid, None, value))
    return {"precision": tp / (tp + fp) if tp + fp else 1.0, "recall": tp / (tp + fn) if tp + fn else 1.0,
            "inverted": inverted, "read": tp + fp, "expected": tp + fn, "wrong": wrong}


def speed(texts, parse, repeat: int) -> float:
    """Texts read per second (best of ``repeat`` passes over all of them)."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for text in texts:
            parse(text)
        best = min(best, time.perf_counter() - t0)
    return len(texts) / best


# Misspellings people type (-> the word meant), and ordinary words that must stay as they are.
MISSPELT = {"twiching": "twitching", "twitchng": "twitching", "twithcing": "twitching", "numbess": "numbness",
            "numbnes": "numbness", "tinglling": "tingling", "tingeling": "tingling", "weaknes": "weakness",
            "weekness": "weakness", "furosimide": "furosemide", "furosemid": "furosemide", "predisone": "prednisone",
            "prednisolon": "prednisolone", "spironolacton": "spironolactone", "spironalactone": "spironolactone",
            "hydrochlorothiazid": "hydrochlorothiazide", "dexamethazone": "dexamethasone", "bumetanid": "bumetanide",
            "microgynom": "microgynon", "swalowing": "swallowing", "constanly": "constantly", "spasmming": "spasming",
            "fasiculations": "fasciculations", "stiffnes": "stiffness", "medicaton": "medication", "sweatting": "sweating"}
ORDINARY = ["switching", "stressed", "stretches", "weekend", "medical", "tingly", "twitter", "number", "monday",
            "months", "workouts", "sleeping", "drinking", "coffee", "muscle", "breathing", "swelling", "swimming",
            "speaking", "stretching", "watching", "sweaty", "prednisone", "furosemide", "caffeine", "tomorrow",
            "nothing", "started", "yesterday", "morning", "constant", "biceps", "slowly", "weights", "totally"]


def rapidfuzz_close():
    """describe._close_word done by rapidfuzz (same rule: same first letter, similarity >= cutoff), or None."""
    try:
        from rapidfuzz import fuzz, process
    except ImportError:
        return None

    def close(word, known, cutoff):
        best = process.extractOne(word, [w for w in known if w[0] == word[0]], scorer=fuzz.ratio,
                                  score_cutoff=cutoff * 100)
        return best[0] if best else None

    return close


def misspellings(repeat: int) -> None:
    """Which word each misspelling is mended to, by difflib and by rapidfuzz, and how fast."""
    vocab = describe._vocabulary()
    words, cutoff = vocab.spelling_words, vocab.spelling_cutoff
    finders = {"difflib (ours)": describe._close_word}
    if rapidfuzz_close() is not None:
        finders["rapidfuzz"] = rapidfuzz_close()

    def mender(close):
        return lambda word: word if word in words else (close(word, words, cutoff) or word)

    expected = {**MISSPELT, **{w: w for w in ORDINARY}}
    compare(f"misspellings: {len(MISSPELT)} misspelt and {len(ORDINARY)} ordinary words (to be left alone)",
            expected, {name: mender(close) for name, close in finders.items()}, "words", repeat)


def compare(title: str, expected: dict, readers: dict, unit: str, repeat: int) -> None:
    """Each reader's right and wrong answers on ``expected`` (input -> answer), and its speed against the first."""
    print(title)
    base = None
    for name, read in readers.items():
        def answer(x):
            try:
                return read(x)
            except Exception:  # noqa: BLE001 - a library refusing an input counts as not read
                return None
        got = {x: answer(x) for x in expected}
        right = [x for x, want in expected.items() if got[x] == want]
        wrong = [x for x, want in expected.items() if got[x] is not None and got[x] != want]
        rate = speed(list(expected), answer, repeat)
        base = base or rate
        print(f"  {name:16} right {len(right)}/{len(expected)}, wrong {len(wrong)} {wrong}  "
              f"{rate:,.0f} {unit}/s ({rate / base:.2f}x ours)")


# Amounts as people write them (-> value), read by our table and by the number-word libraries.
AMOUNTS = {"two": 2, "five": 5, "twelve": 12, "twenty": 20, "twenty five": 25, "twenty-five": 25, "thirty two": 32,
           "a couple": 2, "a couple of": 2, "a few": 3, "a dozen": 12, "half a": 0.5, "an": 1, "a": 1,
           "5-6": 5.5, "4 to 5": 4.5, "one and a half": 1.5, "from 8 to 2": 2, "7": 7, "2.5": 2.5}


def number_words(repeat: int) -> None:
    reader = describe._Reader(describe._vocabulary(), "", dt.date(2026, 1, 1), describe._close_word)
    readers = {"ours (table)": reader._amount}
    try:
        from word2number import w2n

        readers["word2number"] = w2n.word_to_num
    except ImportError:
        pass
    try:
        from text_to_num import text2num

        readers["text2num"] = lambda t: text2num(t, "en")
    except ImportError:
        pass
    compare(f"amounts: {len(AMOUNTS)} phrases (digits, number words, rough amounts, ranges)",
            AMOUNTS, {name: (lambda t, read=read: float(read(t))) for name, read in readers.items()}, "phrases", repeat)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--show", action="store_true", help="list the tuning part's wrong readings")
    args = ap.parse_args()
    data = json.loads(CASES.read_text(encoding="utf-8"))
    today = dt.date.fromisoformat(data["today"])
    tuning = [c for c in data["cases"] if not c.get("held_out")]
    held = [c for c in data["cases"] if c.get("held_out")]

    def ours(text):
        return describe.parse_description(text, today=today).case

    variants = {"ours (number table, difflib)": ours}
    try:
        from text_to_num import alpha2digit

        variants["text2num alpha2digit first"] = lambda text: ours(alpha2digit(text, "en"))
    except ImportError:
        print("text2num not installed: not measured")
    if rapidfuzz_close() is None:
        print("rapidfuzz not installed: not measured")
    else:
        def with_rapidfuzz(text):
            saved = describe._close_word
            describe._close_word = rapidfuzz_close()
            try:
                return ours(text)
            finally:
                describe._close_word = saved

        variants["rapidfuzz for misspellings"] = with_rapidfuzz

    texts = [c["text"] for c in data["cases"]]
    base_speed = None
    print(f"{len(tuning)} tuning and {len(held)} held-out descriptions (today = {today})")
    print(f"{'variant':32} {'part':9} {'precision':>9} {'recall':>7} {'inverted':>8} {'read/expected':>14}  speed")
    for name, parse in variants.items():
        rate = speed(texts, parse, args.repeat)
        base_speed = base_speed or rate
        for part, cases in (("tuning", tuning), ("held-out", held)):
            s = score(cases, parse)
            extra = f"{rate:,.0f}/s ({rate / base_speed:.2f}x ours)" if part == "tuning" else ""
            print(f"{name:32} {part:9} {s['precision']:9.3f} {s['recall']:7.3f} {s['inverted']:8d} "
                  f"{s['read']:>6}/{s['expected']:<7}  {extra}")
            if args.show and part == "tuning" and parse is ours:
                for row in s["wrong"]:
                    print("    ", row)
    misspellings(args.repeat)
    number_words(args.repeat)
    hello = describe.parse_description("hello").case
    print(f"'hello' reads {hello or 'nothing'}")


if __name__ == "__main__":
    main()
