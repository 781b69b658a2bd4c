// bicep-twitch explorer, its logic: walking the tree, summing the knowledge base's tables and
// applying the rules of the spec (bicep_twitch/core/spec.py). No DOM here: the page runs it,
// and so does Node in tests/test_golden.py, against golden cases Python writes. Every rule,
// word and limit comes from the spec D; what is left here is how to walk, sum and compare.
function bicepTwitchLogic(D) {
  "use strict";

  var T = D.tree;
  var NODES = T.left.length;
  var LEAF = -1;
  var readNumber = function (x) { return x === "inf" ? Infinity : x === "-inf" ? -Infinity : x; };
  var CUT = T.cut.map(readNumber);

  var FIND = {};
  D.findings.forEach(function (f, i) { f.index = i; FIND[f.id] = f; });
  var CAUSE = {};
  D.causes.forEach(function (c) { CAUSE[c.id] = c; });
  var nodeFinding = T.feature.map(function (j) { return j >= 0 ? FIND[T.features[j]] : null; });
  var parent = new Int32Array(NODES).fill(-1);
  var depth = new Int32Array(NODES);
  for (var n = 0; n < NODES; n++) {  // parents precede children in scikit-learn's order
    if (T.left[n] !== LEAF) {
      parent[T.left[n]] = parent[T.right[n]] = n;
      depth[T.left[n]] = depth[T.right[n]] = depth[n] + 1;
    }
  }
  var isLeaf = function (node) { return T.left[node] === LEAF; };

  // -- the walk: core/tree.py TreeData.goes_left -------------------------------------------------
  function goesLeft(node, x) {
    if (x !== x) return T.missing_left[node] === 1;  // unknown: the way learned for missing values
    return x <= CUT[node];
  }
  function child(node, x) { return goesLeft(node, x) ? T.left[node] : T.right[node]; }
  function decisionPath(row) {
    var node = 0, path = [0];
    while (!isLeaf(node)) { node = child(node, row[T.feature[node]]); path.push(node); }
    return path;
  }

  // -- numbers as people read them: core/numbers.py ----------------------------------------------
  function percent(p) {
    if (p >= 0.995 && p < 1) return ">99%";
    if (p > 0 && p < 0.005) return "<1%";
    return Math.round(p * 100) + "%";
  }
  // 12,345: as Python's f"{n:,}" writes it (toLocaleString would start the whole Intl machinery).
  function thousands(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
  function formatNumber(x) {
    if (Number.isInteger(x)) return String(x);
    return String(parseFloat(x.toPrecision(10)));
  }

  // -- the kinds of finding: core/cases.py Kind. Their words come from the spec. -------------------
  function shown(v) {
    if (typeof v === "number" && isFinite(v)) return formatNumber(v);
    if (typeof v === "string") return "'" + v + "'";
    if (typeof v === "boolean") return v ? "True" : "False";
    return JSON.stringify(v);
  }
  function invalid(message) {
    var err = new Error(message);
    err.name = "InvalidCaseError";
    return err;
  }
  var KINDS = {
    "yes/no": {
      encode: function (f, v) { return typeof v === "boolean" ? (v ? 1 : 0) : undefined; },
      decode: function (f, code) { return code === 1; },
      said: function (f, code) { return code === 1 ? f.yes : f.no; },
      answered: function (f, code) { return code === 1 ? "yes" : "no"; }
    },
    "choice": {
      encode: function (f, v) { return typeof v === "string" && f.choices.indexOf(v) >= 0 ? f.choices.indexOf(v) : undefined; },
      decode: function (f, code) { return f.choices[code]; },
      said: function (f, code) {
        var choice = f.choices[code];
        return choice in f.choice_text ? f.choice_text[choice] : f.name + " is " + choice;
      },
      answered: function (f, code) { return f.choices[code]; }
    },
    "number": {
      encode: function (f, v) {
        if (typeof v !== "number") return undefined;
        if (!isFinite(v)) {
          throw invalid("'" + f.id + "' must be " + f.allowed + " (got " + v + "); " +
            "leave the finding out or give null/None when it is unknown");
        }
        return v >= f.min && v <= f.max ? v : undefined;
      },
      decode: function (f, code) { return code; },
      said: function (f, code) {  // core/words.py answer_clause: "drinks 7 cups ..."
        var text = formatNumber(code);
        return f.describe.replace(/\{value\}/g, text).replace(/\{s\}/g, text === "1" ? "" : "s");
      },
      answered: function (f, code) { return formatNumber(code) + (f.unit ? " " + f.unit : ""); }
    }
  };
  function kind(f) {
    var k = KINDS[f.type];
    if (!k) throw new Error("this page does not know the kind of finding '" + f.type + "'; rebuild it with bicep-twitch explore");
    return k;
  }

  // -- one case: core/cases.py encode_case --------------------------------------------------------
  function encodeValue(f, v) {
    if (v === null || v === undefined) return NaN;
    var code = kind(f).encode(f, v);
    if (code === undefined) throw invalid("'" + f.id + "' must be " + f.allowed + " (got " + shown(v) + ")");
    return code;
  }
  function decodeValue(f, code) { return code !== code ? null : kind(f).decode(f, code); }
  function said(f, code) { return kind(f).said(f, code); }
  function answeredWords(f, code) { return code !== code ? "don't know" : kind(f).answered(f, code); }
  function encodeCase(answers) {
    if (answers === null || typeof answers !== "object" || Array.isArray(answers)) {
      throw invalid("a case must be a mapping of finding ids to values, e.g. {\"movement\": \"spasm\"} (got " +
        (Array.isArray(answers) ? "list" : typeof answers) + ")");
    }
    var row = D.findings.map(function () { return NaN; });
    Object.keys(answers).forEach(function (fid) {
      var f = FIND[fid];
      if (!f) throw invalid("unknown finding '" + fid + "' (allowed: " + T.features.join(", ") + ")");
      row[f.index] = encodeValue(f, answers[fid]);
    });
    D.findings.forEach(function (f) {  // a follow-up given while its precondition is denied
      if (row[f.index] !== row[f.index] || !f.requires) return;
      Object.keys(f.requires).forEach(function (p) {
        var wanted = f.requires[p], got = row[FIND[p].index];
        if (got === got && Boolean(got) !== Boolean(wanted)) {
          throw invalid("'" + f.id + "' applies only when '" + p + "' is " + String(wanted) + ", but this case gives '" +
            p + "' as " + String(!wanted) + "; leave '" + f.id + "' out or correct '" + p + "'");
        }
      });
    });
    D.findings.forEach(function (f) {  // a follow-up given alone implies its parent: core/cases.py imply_parents
      if (row[f.index] !== row[f.index] || !f.requires) return;
      Object.keys(f.requires).forEach(function (p) {
        if (row[FIND[p].index] !== row[FIND[p].index]) row[FIND[p].index] = f.requires[p] ? 1 : 0;
      });
    });
    return row;
  }

  // -- a leaf's differential: predict/predictor.py Predictor.leaf ---------------------------------
  var column = {};
  T.classes.forEach(function (c, j) { column[c] = j; });
  var tieRank = {};
  D.causes.forEach(function (c, k) { tieRank[c.id] = c.id in column ? column[c.id] : T.classes.length + k; });
  function differential(node) {
    var v = T.value[node];
    var raw = D.causes.map(function (c) { return [c.id, c.id in column ? v[column[c.id]] : 0]; });
    var total = 0;
    raw.forEach(function (cp) { total += cp[1]; });
    return raw.map(function (cp) { return [cp[0], cp[1] / total]; })
      .sort(function (a, b) { return (b[1] - a[1]) || (tieRank[a[0]] - tieRank[b[0]]); });
  }
  function topCause(node) {  // the first maximum in the tree's class order, as the drawings do
    var v = T.value[node], j = 0;
    for (var k = 1; k < v.length; k++) if (v[k] > v[j]) j = k;
    return [T.classes[j], v[j]];
  }

  // -- triage: the urgency rules as data (core/triage.py rules_as_data; its docstring is this) -----
  var TR = D.triage;
  var LEVELS = TR.levels.map(function (lv) { return lv.id; });
  var LEVEL = {};
  TR.levels.forEach(function (lv) { LEVEL[lv.id] = lv; });
  var TESTS = {  // against the condition's encoded value; unknown (NaN) compares false: it never passes
    yes: function (x, code) { return x === code; },
    equals: function (x, code) { return x === code; },
    more_than: function (x, code) { return x > code; },
    at_most: function (x, code) { return x <= code; }
  };
  function passes(c, answerOf) {
    var test = TESTS[c.test];
    if (!test) throw new Error("this page does not know the rule test '" + c.test + "'; rebuild it with bicep-twitch explore");
    return test(answerOf(c.finding), c.code);
  }
  function exceptionsHolding(answerOf) {
    var holds = {};
    TR.exceptions.forEach(function (e) { holds[e.id] = e.all.every(function (c) { return passes(c, answerOf); }); });
    return holds;
  }
  // Whether the answers known so far already give the most urgent level (the questionnaire ends there).
  function mostUrgent(answerOf) {
    var holds = exceptionsHolding(answerOf), top = LEVELS[LEVELS.length - 1];
    return TR.rules.some(function (r) { return r.level === top && passes(r, answerOf) && !(r.unless && holds[r.unless]); });
  }
  // diff: the leaf's differential [[cause, p], ...], most likely first.
  function triage(diff, row) {
    var answerOf = function (fid) { return row[FIND[fid].index]; };
    var holds = exceptionsHolding(answerOf), cause = diff[0][0], reasons = [], notCounted = [], flags = [], prescriber = false;
    var dc = TR.doctor_causes, p = 0;
    var prob = {};
    diff.forEach(function (cp) { prob[cp[0]] = cp[1]; });
    dc.causes.forEach(function (c) { p += prob[c]; });  // in the rules' order, as Python adds them
    var first = dc.causes.indexOf(cause) >= 0;
    if (first || p >= dc.at_least) {
      reasons.push({ rule: "doctor_causes", finding: null, level: dc.level, how_soon: dc.how_soon, source: dc.source,
        text: first ? dc.first_text : dc.together_text + " (" + percent(p) + ")" });
    }
    TR.rules.forEach(function (r) {
      if (!passes(r, answerOf)) return;
      if (r.unless && holds[r.unless]) { notCounted.push(r.id); return; }
      reasons.push({ rule: r.id, finding: r.finding, level: r.level, text: r.text, how_soon: r.how_soon, source: r.source });
      if (flags.indexOf(r.finding) < 0) flags.push(r.finding);
      prescriber = prescriber || r.prescriber;
    });
    var rank = function (x) { return LEVELS.indexOf(x.level); };
    reasons = reasons.map(function (x, i) { return [x, i]; })  // the most urgent first, rule order within a level
      .sort(function (a, b) { return (rank(b[0]) - rank(a[0])) || (a[1] - b[1]); }).map(function (x) { return x[0]; });
    var level = reasons.length ? reasons[0].level : LEVELS[0];
    var howSoon = "";
    reasons.forEach(function (x) {
      if (x.level === level && (howSoon === "" || TR.how_soon.indexOf(x.how_soon) < TR.how_soon.indexOf(howSoon))) howSoon = x.how_soon;
    });
    var advice = CAUSE[cause].advice;
    if (prescriber && cause !== TR.medicines.cause) advice = TR.medicines.advice + " " + advice;
    return { triage: level, red_flags: flags, triage_reasons: reasons, how_soon: howSoon, not_counted: notCounted,
      safety_net: LEVEL[level].safety_net.replace(/\{how_soon\}/g, howSoon), advice: advice };
  }

  // What to do at a level: its words, then how soon unless they already end with it (core/triage.py level_words).
  function levelWords(level, howSoon) {
    var text = LEVEL[level].text;
    return !howSoon || text.slice(-howSoon.length) === howSoon ? text : text + " " + howSoon;
  }
  // What to do if a safety question left unknown applies (core/triage.py safety_reminder).
  function safetyReminder(unknown) {
    if (!unknown.length) return "";
    var rules = TR.rules.map(function (r, i) { return [r, i]; }).filter(function (ri) {
      var r = ri[0];
      return unknown.indexOf(r.finding) >= 0 || Object.keys(FIND[r.finding].requires || {}).some(function (p) { return unknown.indexOf(p) >= 0; });
    }).sort(function (a, b) { return (LEVELS.indexOf(b[0].level) - LEVELS.indexOf(a[0].level)) || (a[1] - b[1]); });
    var n = unknown.length;
    return n + " safety question" + (n !== 1 ? "s" : "") + " stayed unknown. If " +
      (rules.length > 1 ? "any of these applies" : "this applies") + ", act on it: " +
      rules.map(function (ri) { return ri[0].found + ": " + levelWords(ri[0].level, ri[0].how_soon); }).join("; ") + ".";
  }

  // -- the exact model of the knowledge base: core/likelihood.py KbModel ---------------------------
  // The tables are Python's own numbers (repr round-trips), added in Python's order.
  var L = D.likelihood, LF = L.findings;
  function outcomeOf(fid, code) {  // its choice, no/yes, or the nearer bin
    var bounds = LF[fid].bounds;
    if (!bounds) return code;
    var k = 0;
    bounds.forEach(function (b) { if (b < code) k++; });
    return k;
  }
  function loglik(fid, code) { return LF[fid].logs[outcomeOf(fid, code)]; }
  // given: [[finding id, code], ...] known answers in knowledge-base order. A follow-up implies
  // its precondition as yes, appended after them (KbModel.known).
  function knownOf(given) {
    var known = new Map(given);
    given.forEach(function (a) {
      Object.keys(FIND[a[0]].requires || {}).forEach(function (p) { if (!known.has(p)) known.set(p, 1); });
    });
    return known;
  }
  function logJoint(known) {
    var total = L.log_prior.slice();
    known.forEach(function (code, fid) {
      var v = loglik(fid, code);
      for (var i = 0; i < total.length; i++) total[i] += v[i];
    });
    return total;
  }
  function sum(xs) { var t = 0; for (var i = 0; i < xs.length; i++) t += xs[i]; return t; }
  function normalise(logP) {
    var top = Math.max.apply(null, logP);
    var p = logP.map(function (v) { return Math.exp(v - top); }), total = sum(p);
    return p.map(function (v) { return v / total; });
  }
  function logit(logP, j) {
    var rest = logP.filter(function (v, i) { return i !== j; });
    var top = Math.max.apply(null, rest);
    return logP[j] - (top + Math.log(sum(rest.map(function (v) { return Math.exp(v - top); }))));
  }

  // -- words for answers and thresholds: core/words.py, predict/explain.py -------------------------
  // A small amount reads better in the next unit down (0.25 days is "6 hours"), as core/words.py says it.
  var SMALLER_UNIT = { days: ["hours", 24], hours: ["minutes", 60] };
  function round9(x) { return Math.round(x * 1e9) / 1e9; }
  function withUnit(value, unit) {
    if (value === 1 && unit) {
      var cut = unit.indexOf(" "), first = cut < 0 ? unit : unit.slice(0, cut), rest = cut < 0 ? "" : unit.slice(cut + 1);
      if (first.slice(-1) === "s") unit = (first.slice(0, -1) + " " + rest).trim();  // "1 cup a day"
    }
    return (formatNumber(value) + " " + unit).trim();
  }
  function amountWords(f, value) {
    var unit = f.unit || "", smaller = SMALLER_UNIT[unit];
    if (smaller && value > 0 && value < 1 && Number.isInteger(round9(value * smaller[1]))) {
      value = Math.round(value * smaller[1]); unit = smaller[0];
    }
    return withUnit(value, unit);
  }
  // The largest grid value a split at cut sends left: each threshold is named by a value people type.
  function splitValue(f, cut) {
    var k = Math.floor((cut - f.min) / f.step + 1e-9);
    return round9(Math.min(Math.max(f.min + k * f.step, f.min), f.max));
  }
  function thresholdWords(f, low, high) {
    var lo = low === null ? null : splitValue(f, low), hi = high === null ? null : splitValue(f, high);
    if (hi !== null && hi <= f.min) return amountWords(f, f.min);  // only the lowest value goes left
    if (lo === null) return hi !== null ? "up to " + amountWords(f, hi) : "any value";
    if (hi === null) return "more than " + amountWords(f, lo);
    var lowWords = amountWords(f, lo), highWords = amountWords(f, hi), tail = " " + f.unit;
    if (f.unit && lowWords.slice(-tail.length) === tail && highWords.slice(-tail.length) === tail) {
      lowWords = lowWords.slice(0, -tail.length);  // one unit for the pair: "more than 14 and up to 59 years"
    }
    return "more than " + lowWords + " and up to " + highWords;
  }
  // The answers the tree used, one line per finding, repeated number splits merged into one
  // range (predict/explain.py summarize, as predict/result.py prints it for answered findings).
  function pathSummary(row, path) {
    var groups = new Map();
    for (var i = 0; i + 1 < path.length; i++) {
      var node = path[i], fid = nodeFinding[node].id;
      if (!groups.has(fid)) groups.set(fid, []);
      groups.get(fid).push([node, T.left[node] === path[i + 1]]);
    }
    var lines = [];
    groups.forEach(function (steps, fid) {
      var f = FIND[fid], x = row[f.index];
      if (x !== x) return;
      var lows = [], highs = [];
      if (f.type === "number") steps.forEach(function (s) {  // only numbers have thresholds to merge
        var t = readNumber(T.threshold[s[0]]);
        if (isFinite(t)) (s[1] ? highs : lows).push(t);  // an infinite one only splits answered from not
      });
      lines.push(lows.length || highs.length
        ? said(f, x) + ": " + thresholdWords(f, lows.length ? Math.max.apply(null, lows) : null, highs.length ? Math.min.apply(null, highs) : null)
        : said(f, x));
    });
    return lines;
  }

  // -- reasons for and against a cause, and the open questions: predict/reasons.py ----------------
  var NEGLIGIBLE = D.limits.negligible;
  function givenOf(row) {
    var given = [];
    D.findings.forEach(function (f) { if (row[f.index] === row[f.index]) given.push([f.id, row[f.index]]); });
    return given;
  }
  function causeReasons(row, cause) {
    var given = givenOf(row), known = knownOf(given), j = L.causes.indexOf(cause);
    var givenIds = new Set(given.map(function (a) { return a[0]; }));
    var full = logJoint(known), logitAll = logit(full, j), reasons = [];
    given.forEach(function (a) {
      var fid = a[0], code = a[1];
      // Leaving one answer out takes away its likelihood and that of a precondition only it implied.
      var gone = [fid].concat(Object.keys(FIND[fid].requires || {}).filter(function (p) {
        return !givenIds.has(p) && !given.some(function (b) { return b[0] !== fid && p in (FIND[b[0]].requires || {}); });
      }));
      var without = full;
      gone.forEach(function (g) {
        var v = loglik(g, known.get(g));
        without = without.map(function (t, i) { return t - v[i]; });
      });
      var delta = logitAll - logit(without, j);
      if (Math.abs(delta) <= NEGLIGIBLE) return;
      var direction = delta > 0 ? "for" : "against", ratio = Math.exp(delta);
      var src = reasonSource(cause, fid, code, direction);
      reasons.push({ finding: fid, value: decodeValue(FIND[fid], code), direction: direction, odds_ratio: ratio,
        log_odds: Math.log(ratio), said: said(FIND[fid], code), source_cause: src[0], source: src[1] });
    });
    reasons.sort(function (a, b) { return Math.abs(b.log_odds) - Math.abs(a.log_odds); });  // stable
    return {
      cause: cause, probability: normalise(full)[j],
      "for": reasons.filter(function (r) { return r.direction === "for"; }),
      against: reasons.filter(function (r) { return r.direction === "against"; })
    };
  }
  // The cause whose relationship with the finding explains the reason, and that source's text.
  function reasonSource(cause, fid, code, direction) {
    var t = LF[fid], ci = L.causes.indexOf(cause);
    if (t.sources[ci] !== null) return [cause, t.sources[ci]];
    var k = outcomeOf(fid, code), base = t.outcomes[ci][k], sign = direction === "against" ? 1 : -1;
    var best = -1, bestGap = 0;
    L.causes.forEach(function (other, i) {
      if (i === ci || t.sources[i] === null) return;
      var gap = sign * (Math.log(t.outcomes[i][k]) - Math.log(base));
      if (gap > bestGap) { best = i; bestGap = gap; }
    });
    return best < 0 ? [null, t.background] : [L.causes[best], t.sources[best]];
  }
  // Unanswered findings ranked by the expected absolute change of the cause's probability.
  function openQuestions(row, cause, findings) {
    var known = knownOf(givenOf(row)), j = L.causes.indexOf(cause);
    var posterior = normalise(logJoint(known)), now = posterior[j], ranked = [];
    findings.filter(function (fid, i) { return findings.indexOf(fid) === i && !known.has(fid); }).forEach(function (fid) {
      var rows = LF[fid].outcomes, change = 0;
      for (var k = 0; k < rows[0].length; k++) {
        var joint = posterior.map(function (p, i) { return p * rows[i][k]; }), mass = sum(joint);
        change += mass * Math.abs(joint[j] / mass - now);
      }
      ranked.push({ finding: fid, expected_change: change });
    });
    var tie = Math.pow(10, D.limits.tie_decimals), key = function (q) { return Math.round(q.expected_change * tie) / tie; };
    ranked.sort(function (a, b) { return key(b) - key(a); });  // stable: path order breaks ties (as Python rounds them)
    return ranked;
  }

  function resultOf(row) {
    var path = decisionPath(row);
    var leaf = path[path.length - 1];
    var diff = differential(leaf);
    var cause = diff[0][0];
    var told = triage(diff, row);
    var unanswered = [];
    for (var i = 0; i + 1 < path.length; i++) {
      var f = nodeFinding[path[i]];
      if (row[f.index] !== row[f.index]) unanswered.push(f.id);
    }
    return {
      cause: cause, label: CAUSE[cause].label, probability: diff[0][1], differential: diff, leaf: leaf, path: path,
      triage: told.triage, red_flags: told.red_flags, triage_reasons: told.triage_reasons, how_soon: told.how_soon,
      safety_net: told.safety_net, not_counted: told.not_counted, action: levelWords(told.triage, told.how_soon),
      advice: told.advice,
      cause_reasons: causeReasons(row, cause), summary: pathSummary(row, path),
      surer: openQuestions(row, cause, unanswered)
    };
  }
  // answers as the Python API takes them: {finding id: value}, absent or null = unknown.
  function predict(answers) { return resultOf(encodeCase(answers)); }

  // -- the questionnaire: predict/ask.py next_step, a pure function of the answers so far ----------
  // answers: [{finding, code (NaN = "don't know"), phase ("emergency", "description", "tree" or "safety"),
  // stop}], in the order given. The emergency screen's one question is recorded under EM.id; its "no" is a no
  // to each finding of EM.implied_no (predict/ask.py answer_codes).
  var EM = D.ask.emergency;
  function answerCodes(answers) {
    var known = new Map();
    answers.forEach(function (a) {
      if (a.finding === DESCRIPTION) return;  // the description itself: its findings are answers of their own
      if (a.finding !== EM.id) known.set(a.finding, a.code);
      else if (a.code === 0) EM.implied_no.forEach(function (fid) { if (!known.has(fid)) known.set(fid, 0); });
    });
    return known;
  }
  // Before the tree's next question: a rule's follow-up right after its precondition's yes, or the screen.
  function firstNeed(answers, known) {
    var phaseOf = {};
    // A precondition read from the description was never asked: as one given, not that phase's.
    answers.forEach(function (a) { if (a.phase !== "description") phaseOf[a.finding] = a.phase; });
    for (var i = 0; i < D.ask.follow_ups.length; i++) {
      var fid = D.ask.follow_ups[i], req = FIND[fid].requires, parents = Object.keys(req);
      if (!known.has(fid) && parents.every(function (p) { return known.get(p) === (req[p] ? 1 : 0); })) {
        var from = parents.filter(function (p) { return p in phaseOf; });
        return [fid, from.length ? phaseOf[from[0]] : "safety"];
      }
    }
    var details = EM.findings.filter(function (f) { return !known.has(f); });
    var said = answers.filter(function (a) { return a.finding === EM.id; })[0];
    if (!details.length || answers.some(function (a) { return a.stop && a.phase === "emergency"; })) return null;
    if (said === undefined) return [EM.id, "emergency"];
    return said.code !== 0 ? [details[0], "emergency"] : null;
  }
  // With describe, the description phase comes once the emergency screen is done, until an answer for
  // DESCRIPTION is given; the findings read from it are answers of phase "description" (next_step's describe).
  function step(answers, describe) {
    var described = answers.some(function (a) { return a.finding === DESCRIPTION; });
    answers = answers.filter(function (a) { return a.finding !== DESCRIPTION; });
    var known = answerCodes(answers);
    var answerOf = function (fid) { return known.has(fid) ? known.get(fid) : NaN; };
    var done = answers.some(function (a) { return a.stop && a.phase === "tree"; });
    var stopped = answers.some(function (a) { return a.stop && a.phase === "safety"; });
    var ended = mostUrgent(answerOf);
    var pending = stopped ? [] : D.ask.screen.filter(function (fid) { return !known.has(fid); });
    var first = stopped || ended ? null : firstNeed(answers, known);
    if (describe && !described && !ended && (first === null || first[1] !== "emergency")) {
      return { need: DESCRIPTION, phase: "description", path: [0], leaf: null, skipped: [], pending: [], opens_screen: false, emergency: false };
    }
    var last = answers[answers.length - 1];
    var skipped = [], need = null;
    function valueOf(fid) {
      if (known.has(fid) || ended) return answerOf(fid);
      var f = FIND[fid], req = f.requires || {};
      var parents = Object.keys(req);
      for (var i = 0; i < parents.length; i++) {
        var pc = valueOf(parents[i]);  // asks the precondition first when not yet known
        if (need !== null) return NaN;
        if (pc !== pc || Boolean(pc) !== Boolean(req[parents[i]])) {
          skipped.push({ finding: fid, reason: f.skip[parents[i]][pc !== pc ? "unknown" : "denied"] });
          known.set(fid, NaN);
          return NaN;
        }
      }
      if (stopped || done) { known.set(fid, NaN); return NaN; }
      need = fid;
      return NaN;
    }
    var node = 0, path = [0];
    while (!isLeaf(node)) {
      var x = valueOf(nodeFinding[node].id);
      if (need !== null || first !== null) break;
      node = child(node, x);
      path.push(node);
    }
    var none = { path: path, leaf: null, skipped: [], pending: [], opens_screen: false, emergency: false };
    if (first !== null) return Object.assign(none, { need: first[0], phase: first[1] });
    if (need !== null) return Object.assign(none, { need: need, phase: "tree", skipped: skipped });
    if (ended) return Object.assign(none, { need: null, phase: "tree", leaf: node, emergency: true });
    if (pending.length) return Object.assign(none, { need: pending[0], phase: "safety", leaf: node, skipped: skipped, pending: pending, opens_screen: last === undefined || last.phase !== "safety" });
    return Object.assign(none, { need: null, phase: "tree", leaf: node, skipped: skipped });
  }
  // How someone whose answers are answerOf answers the screen (predict/ask.py screen_code).
  function screenCode(answerOf) {
    var holds = exceptionsHolding(answerOf);
    if (TR.rules.some(function (r) { return EM.levels.indexOf(r.level) >= 0 && passes(r, answerOf) && !(r.unless && holds[r.unless]); })) return 1;
    return EM.implied_no.every(function (fid) { return answerOf(fid) === 0; }) ? 0 : NaN;
  }
  // The screening findings still unknown after these answers (predict/ask.py Questionnaire.safety_unknown).
  function safetyUnknown(answers) {
    var known = answerCodes(answers);
    return D.ask.screen.filter(function (fid) { return !known.has(fid) || known.get(fid) !== known.get(fid); });
  }
  var DESCRIPTION = "(description)";
  // The whole questionnaire for someone who answers from `answers` (absent = "don't know").
  function walk(answers) {
    var row = encodeCase(answers), given = [], skipped = [], state;
    var screen = screenCode(function (fid) { return row[FIND[fid].index]; });
    var out = { emergency: [], questions: [], screen: [] };
    while ((state = step(given)).need !== null) {
      out[state.phase === "safety" ? "screen" : state.phase === "emergency" ? "emergency" : "questions"].push(state.need);
      given.push({ finding: state.need, code: state.need === EM.id ? screen : row[FIND[state.need].index], phase: state.phase, stop: false });
      state.skipped.forEach(function (s) { if (skipped.indexOf(s.finding) < 0) skipped.push(s.finding); });
    }
    state.skipped.forEach(function (s) { if (skipped.indexOf(s.finding) < 0) skipped.push(s.finding); });
    var unknown = safetyUnknown(given);
    return { emergency: out.emergency, questions: out.questions, screen: out.screen, skipped: skipped, leaf: state.leaf,
      path: state.path, ended: state.emergency, safety_unknown: unknown, reminder: state.emergency ? "" : safetyReminder(unknown) };
  }
  // The case the answers make, as predict takes it (the screen's "no" included as its findings' no).
  function caseOf(answers) {
    var c = {};
    answerCodes(answers).forEach(function (code, fid) { c[fid] = decodeValue(FIND[fid], code); });
    return c;
  }

  return {
    FIND: FIND, CAUSE: CAUSE, nodeFinding: nodeFinding, parent: parent, depth: depth, NODES: NODES,
    isLeaf: isLeaf, percent: percent, thousands: thousands, formatNumber: formatNumber,
    encodeCase: encodeCase, decodeValue: decodeValue, answeredWords: answeredWords, differential: differential,
    topCause: topCause, predict: predict, step: step, walk: walk, caseOf: caseOf, safetyUnknown: safetyUnknown,
    safetyReminder: safetyReminder, levelWords: levelWords, EM: EM, LEVEL: LEVEL, DESCRIPTION: DESCRIPTION
  };
}
if (typeof module === "object" && module.exports) module.exports = bicepTwitchLogic;
