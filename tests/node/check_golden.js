// The page's own logic (draw/explorer/logic.js, the file the page embeds) against the golden
// cases Python wrote (tests/golden.py), under Node with nothing installed.
//
//   node tests/node/check_golden.js SPEC.json GOLDEN.json [LOGIC.js]
//
// SPEC.json is the data the page embeds (draw/explorer.py explorer_data). Prints every
// difference and exits 1 if there is any, 0 when the page gives Python's every field.
"use strict";

const fs = require("node:fs");
const path = require("node:path");

const REL_TOL = 1e-9;  // as tests/golden.py REL_TOL

function differences(want, got, where, out) {
  if (out.length > 50) return out;
  if (typeof want === "number" && typeof got === "number") {
    const close = want === got || Math.abs(want - got) <= Math.max(REL_TOL * Math.max(Math.abs(want), Math.abs(got)), 1e-15);
    if (!close) out.push(`${where}: want ${want}, got ${got}`);
  } else if (Array.isArray(want) && Array.isArray(got)) {
    if (want.length !== got.length) out.push(`${where}: ${want.length} items wanted, got ${got.length}: ${JSON.stringify(got).slice(0, 300)}`);
    else want.forEach((w, i) => differences(w, got[i], `${where}[${i}]`, out));
  } else if (want !== null && got !== null && typeof want === "object" && typeof got === "object" && !Array.isArray(want) && !Array.isArray(got)) {
    const wk = Object.keys(want).sort(), gk = Object.keys(got).filter((k) => got[k] !== undefined).sort();
    if (JSON.stringify(wk) !== JSON.stringify(gk)) out.push(`${where}: keys ${wk} != ${gk}`);
    else wk.forEach((k) => differences(want[k], got[k], `${where}.${k}`, out));
  } else if (want !== got) {
    out.push(`${where}: want ${JSON.stringify(want)}, got ${JSON.stringify(got)}`.slice(0, 400));
  }
  return out;
}

// Only the fields Python's golden result has; the page's extra ones (log_odds, value) are its own.
function pick(got, want) {
  if (Array.isArray(want) && Array.isArray(got)) return got.map((g, i) => pick(g, want[i] === undefined ? want[0] : want[i]));
  if (want !== null && typeof want === "object" && got !== null && typeof got === "object" && !Array.isArray(want)) {
    const out = {};
    Object.keys(want).forEach((k) => { out[k] = pick(got[k], want[k]); });
    return out;
  }
  return got;
}

function main(argv) {
  const [specFile, goldenFile, logicFile] = argv;
  if (!specFile || !goldenFile) {
    process.stderr.write("usage: node check_golden.js SPEC.json GOLDEN.json [LOGIC.js]\n");
    return 2;
  }
  const logicPath = path.resolve(logicFile || path.join(__dirname, "..", "..", "src", "bicep_twitch", "draw", "explorer", "logic.js"));
  const bicepTwitchLogic = require(logicPath);
  const B = bicepTwitchLogic(JSON.parse(fs.readFileSync(specFile, "utf8")));
  const golden = JSON.parse(fs.readFileSync(goldenFile, "utf8"));
  const found = [];
  let checked = 0;

  golden.predict.forEach(({ case: c, result }, i) => {
    let got;
    try { got = B.predict(c); } catch (e) { found.push(`predict[${i}] ${JSON.stringify(c)}: threw ${e.message}`); return; }
    differences(result, pick(got, result), `predict[${i}] ${JSON.stringify(c)}`, found);
    checked++;
  });
  golden.errors.forEach(({ case: c, error }, i) => {
    let got = null;
    try { B.predict(c); } catch (e) { got = [e.name, e.message]; }
    differences(["InvalidCaseError", error], got, `errors[${i}] ${JSON.stringify(c)}`, found);
    checked++;
  });
  golden.walks.forEach(({ case: c, walk }, i) => {
    differences(walk, B.walk(c), `walks[${i}] ${JSON.stringify(c)}`, found);
    checked++;
  });
  golden.sessions.forEach((session, s) => {
    const answers = session.answers.map((a) => ({ finding: a.finding, code: a.code === null ? NaN : a.code, phase: a.phase, stop: a.stop }));
    session.steps.forEach((want, i) => {
      differences(want, B.step(answers.slice(0, i), session.description !== null), `sessions[${s}].steps[${i}]`, found);
      checked++;
    });
  });

  if (found.length) {
    process.stdout.write(`the page's logic differs from Python in ${found.length}${found.length > 50 ? "+" : ""} places:\n` + found.join("\n") + "\n");
    return 1;
  }
  process.stdout.write(`the page's logic gives Python's answers: ${checked} golden cases\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
