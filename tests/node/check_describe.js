// The page's reader of free text (draw/explorer/describe.js, the file the page embeds) against
// Python's readings (tests/test_describe_page.py), under Node with nothing installed.
//
//   node tests/node/check_describe.js DATA.json GOLDEN.json [DESCRIBE.js]
//
// DATA.json is what the page embeds beside its spec (core/describe.py reader_data). Prints every
// difference, then "agree N of M descriptions, K of L answers"; exits 1 on any difference.
"use strict";

const fs = require("node:fs");
const path = require("node:path");

const [dataFile, goldenFile, script] = process.argv.slice(2);
const make = require(path.resolve(script || path.join(__dirname, "..", "..", "src", "bicep_twitch", "draw", "explorer", "describe.js")));
const reader = make(JSON.parse(fs.readFileSync(dataFile, "utf-8")));
const golden = JSON.parse(fs.readFileSync(goldenFile, "utf-8"));
const today = golden.today.split("-").map(Number);

// Python counts characters in code points, JavaScript in UTF-16 units: compare in code points.
const points = (text, at) => Array.from(text.slice(0, at)).length;
const values = (a, b) => (typeof a === "number" && typeof b === "number" ? Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a)) : a === b);

let agree = 0, answersAgree = 0;
const differences = [];
golden.descriptions.forEach((want) => {
  let got;
  try {
    got = reader.parseDescription(want.text, today);
  } catch (err) {
    differences.push(`${JSON.stringify(want.text)}: ${err.stack}`);
    return;
  }
  const evidence = got.evidence.map((e) => ({ finding: e.finding, value: e.value, start: points(want.text, e.start), end: points(want.text, e.end), text: e.text }));
  const same = evidence.length === want.evidence.length && evidence.every((e, i) => {
    const w = want.evidence[i];
    return e.finding === w.finding && values(e.value, w.value) && e.start === w.start && e.end === w.end && e.text === w.text;
  }) && JSON.stringify(Object.keys(got.case)) === JSON.stringify(Object.keys(want.case));
  if (same) agree++;
  else differences.push(`${JSON.stringify(want.text)}\n  python: ${JSON.stringify(want.evidence)}\n  page:   ${JSON.stringify(evidence)}`);
});
golden.answers.forEach((want) => {
  const got = reader.readAnswer(want.finding, want.text, today);
  const same = want.refused ? got.error !== undefined : got.error === undefined && values(got.value, want.value);
  if (same) answersAgree++;
  else differences.push(`answer ${JSON.stringify(want.text)} to ${want.finding.id}: python ${JSON.stringify(want)}, page ${JSON.stringify(got)}`);
});
differences.forEach((d) => console.log(d));
console.log(`agree ${agree} of ${golden.descriptions.length} descriptions, ${answersAgree} of ${golden.answers.length} answers`);
process.exit(differences.length ? 1 : 0);
