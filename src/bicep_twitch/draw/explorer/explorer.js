// bicep-twitch explorer: the tree as a list to open and close, and the questionnaire beside it.
// Everything comes from the JSON written by bicep_twitch/draw/explorer.py; nothing is loaded.
// The walk, the leaf's differential, triage, and the result's reasons, path and open questions
// mirror the Python (core/tree.py, predict/ask.py, predict/predictor.py, core/triage.py,
// predict/reasons.py, predict/explain.py) and are tested against it in a browser.
(function () {
  "use strict";

  var D = JSON.parse(document.getElementById("bicep-twitch-data").textContent);
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

  // -- one case: core/cases.py encode_case --------------------------------------------------------
  function allowed(f) {
    if (f.type === "choice") return "one of " + f.choices.map(function (c) { return "'" + c + "'"; }).join(", ");
    if (f.type === "yes/no") return "true or false (yes/no)";
    return "a number from " + formatNumber(f.min) + " to " + formatNumber(f.max);
  }
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
  function encodeValue(f, v) {
    if (v === null || v === undefined) return NaN;
    if (f.type === "yes/no") {
      if (typeof v === "boolean") return v ? 1 : 0;
    } else if (f.type === "choice") {
      if (typeof v === "string" && f.choices.indexOf(v) >= 0) return f.choices.indexOf(v);
    } else if (typeof v === "number") {
      if (!isFinite(v)) {
        throw invalid("'" + f.id + "' must be " + allowed(f) + " (got " + v + "); " +
          "leave the finding out or give null/None when it is unknown");
      }
      if (v >= f.min && v <= f.max) return v;
    }
    throw invalid("'" + f.id + "' must be " + allowed(f) + " (got " + shown(v) + ")");
  }
  function decodeValue(f, code) {
    if (code !== code) return null;
    if (f.type === "yes/no") return code === 1;
    if (f.type === "choice") return f.choices[code];
    return code;
  }
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

  // -- triage: core/triage.py. One entry per rule kind; a kind the page lacks is an error. -------
  var FLAG_RULES = {
    yes: function (x) { return x === 1; },
    more_than: function (x, flag) { return x > flag.value; }  // unknown (NaN) never raises a flag
  };
  function percentWords(p) {  // core/numbers.py percent
    if (p > 0 && p < 0.005) return "<1%";
    if (p >= 0.995 && p < 1) return ">99%";
    return Math.round(p * 100) + "%";
  }
  // diff: the leaf's differential [[cause, p], ...], most likely first.
  function triage(diff, row) {
    var cause = diff[0][0];
    var doctorFirst = D.triage.doctor_causes.indexOf(cause) >= 0;
    var together = 0;
    diff.forEach(function (cp) { if (D.triage.doctor_causes.indexOf(cp[0]) >= 0) together += cp[1]; });
    var likely = together >= D.triage.doctor_threshold;
    var raised = D.triage.red_flags.filter(function (flag) {
      var rule = FLAG_RULES[flag.rule];
      if (!rule) throw new Error("this page does not know the red-flag rule '" + flag.rule + "'; rebuild it with bicep-twitch explore");
      return rule(row[FIND[flag.finding].index], flag);
    });
    var why = doctorFirst ? [D.triage.doctor_reason]
      : (likely ? [D.triage.doctor_threshold_text + " (" + percentWords(together) + ")"] : []);
    var medicine = raised.some(function (flag) { return D.triage.medicines.indexOf(flag.finding) >= 0; });
    var advice = CAUSE[cause].advice;
    if (medicine && cause !== D.triage.medicine_cause) advice = D.triage.medicine_advice + " " + advice;
    return {
      triage: doctorFirst || likely || raised.length ? "see_doctor" : "self_care",
      red_flags: raised.map(function (flag) { return flag.finding; }),
      reasons: why.concat(raised.map(function (flag) { return flag.text; })),
      advice: advice
    };
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

  // -- words for answers and thresholds: core/numbers.py, core/words.py, predict/explain.py -------
  function formatThreshold(x) {  // Python's f"{x:.6g}"
    var exp = Number(x.toExponential(5).split("e")[1]);
    if (exp < -4 || exp >= 6) {
      var parts = x.toExponential(5).split("e");
      return String(parseFloat(parts[0])) + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
    }
    return String(parseFloat(x.toPrecision(6)));
  }
  function said(f, code) {  // Explainer._said: "takes a corticosteroid", "drinks 7 cups ..."
    if (f.type === "number") {
      var text = formatThreshold(code);
      return f.describe.replace(/\{value\}/g, text).replace(/\{s\}/g, text === "1" ? "" : "s");
    }
    if (f.type === "yes/no") return code === 1 ? f.yes : f.no;
    var choice = f.choices[code];
    return choice in f.choice_text ? f.choice_text[choice] : f.name + " is " + choice;
  }
  function thresholdWords(f, low, high) {
    var parts = [];
    if (low !== null) parts.push("more than " + formatThreshold(low));
    if (high !== null) parts.push("at most " + formatThreshold(high));
    return parts.join(" and ") + (f.unit ? " " + f.unit : "");
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
      if (f.type !== "number") { lines.push(said(f, x)); return; }
      var lows = [], highs = [];
      steps.forEach(function (s) {
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
  var NEGLIGIBLE = 1e-9;
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
    ranked.sort(function (a, b) { return b.expected_change - a.expected_change; });  // stable: path order breaks ties
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
      triage: told.triage, red_flags: told.red_flags, reasons: told.reasons, advice: told.advice,
      cause_reasons: causeReasons(row, cause), summary: pathSummary(row, path),
      surer: openQuestions(row, cause, unanswered)
    };
  }
  // answers as the Python API takes them: {finding id: value}, absent or null = unknown.
  function predict(answers) { return resultOf(encodeCase(answers)); }

  // -- the questionnaire: predict/ask.py walk_tree, then the safety screen ------------------------
  // `given` maps finding id -> code (NaN = "don't know"); `stopped`: the person asked for the result.
  // Returns the next finding to ask (null when none) with the path so far and the skipped follow-ups.
  function walkState(given, stopped) {
    var known = new Map(given), skipped = [], need = null;
    function valueOf(fid) {
      if (known.has(fid)) return known.get(fid);
      var f = FIND[fid], req = f.requires || {};
      var parents = Object.keys(req);
      for (var i = 0; i < parents.length; i++) {
        var pc = valueOf(parents[i]);  // asks the precondition first when not yet known
        if (need !== null) return NaN;
        if (pc !== pc || Boolean(pc) !== Boolean(req[parents[i]])) {
          skipped.push({ finding: fid, reason: skipReason(f, FIND[parents[i]], req[parents[i]], pc) });
          known.set(fid, NaN);
          return NaN;
        }
      }
      if (stopped) { known.set(fid, NaN); return NaN; }
      need = fid;
      return NaN;
    }
    var node = 0, path = [0];
    while (!isLeaf(node)) {
      var x = valueOf(nodeFinding[node].id);
      if (need !== null) return { need: need, screen: false, path: path, skipped: skipped, leaf: null };
      node = child(node, x);
      path.push(node);
    }
    for (var k = 0; k < D.ask.screen.length; k++) {
      if (!given.has(D.ask.screen[k])) return { need: D.ask.screen[k], screen: true, path: path, skipped: skipped, leaf: node };
    }
    return { need: null, screen: false, path: path, skipped: skipped, leaf: node };
  }
  function skipReason(f, p, wanted, code) {
    var condition = wanted ? p.yes : p.no;
    var said = code !== code ? "you did not know" : wanted ? "you answered no" : "you answered yes";
    return "'" + f.name + "' applies only if you " + condition + ", and " + said + "; counted as unknown";
  }
  // The whole questionnaire for someone who answers from `answers` (absent = "don't know").
  function walk(answers) {
    var row = encodeCase(answers), given = new Map(), questions = [], screen = [], state;
    while ((state = walkState(given, false)).need !== null) {
      (state.screen ? screen : questions).push(state.need);
      given.set(state.need, row[FIND[state.need].index]);
    }
    return { questions: questions, screen: screen, skipped: state.skipped.map(function (s) { return s.finding; }),
      leaf: state.leaf, path: state.path };
  }

  // -- drawing helpers -----------------------------------------------------------------------------
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      if (k === "text") e.textContent = attrs[k];
      else if (k === "class") e.className = attrs[k];
      else if (k.slice(0, 2) === "on") e.addEventListener(k.slice(2), attrs[k]);
      else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return e;
  }
  var capital = function (s) { return s.charAt(0).toUpperCase() + s.slice(1); };
  function swatch(cause) { return el("span", { class: "swatch", style: "background:" + CAUSE[cause].colour, "aria-hidden": "true" }); }
  function chip(cause, p) {
    var c = CAUSE[cause];
    return el("span", { class: "chip", style: "background:" + c.colour, title: c.label }, [el("b", { text: percent(p) }), " " + c.short]);
  }
  function bars(diff) {
    return el("ul", { class: "bars" }, diff.filter(function (cp) { return cp[1] > 0; }).map(function (cp) {
      var c = CAUSE[cp[0]];
      return el("li", null, [
        el("span", null, [swatch(cp[0]), " " + c.label, c.doctor ? el("span", { class: "doctor-mark", text: " · doctor" }) : null]),
        el("span", { class: "p", text: percent(cp[1]) }),
        el("span", { class: "bar", "aria-hidden": "true" }, [el("span", { style: "width:" + (cp[1] * 100).toFixed(2) + "%;background:" + c.colour })])
      ]);
    }));
  }
  function edgeWords(node) {  // the words on the branch from node's parent to node
    var p = parent[node];
    if (p < 0) return null;
    return D.words[T.left[p] === node ? T.edge_left[p] : T.edge_right[p]];
  }

  // -- the explorer --------------------------------------------------------------------------------
  var DEEP = 5;  // below this level a narrow screen indents less, so deep nodes keep their width
  var expanded = new Set(), openLeaves = new Set(), lit = new Set(), litBelow = new Int32Array(NODES);
  var onPath = new Set(), current = -1;
  for (n = 0; n < NODES; n++) if (depth[n] < 3 && !isLeaf(n)) expanded.add(n);
  var treeEl = document.getElementById("tree");

  function nodeItem(node) {
    var leaf = isLeaf(node), open = leaf ? openLeaves.has(node) : expanded.has(node);
    var f = nodeFinding[node], top = topCause(node), words = edgeWords(node);
    var cls = ["node", leaf ? "leaf" : "split"];
    if (lit.has(node)) cls.push("lit");
    if (onPath.has(node)) cls.push("on-path");
    if (node === current) cls.push("current");
    var label = leaf ? "leaf " + node + ": " + CAUSE[top[0]].short + " " + percent(top[1]) : capital(f.name) + "?";
    var row = el("div", { class: "row" }, [
      el("button", { class: "toggle", type: "button", "data-node": node, tabindex: "-1",
        "aria-label": (open ? "Close " : "Open ") + label, text: open ? "\u25BE" : "\u25B8" }),
      el("div", { class: "what" }, [
      words !== null ? el("span", { class: "edge", text: words }) : null,
      leaf ? el("span", { class: "qname", text: "Ends here:" }) : el("span", { class: "qname", title: f.question, text: capital(f.name) + "?" }),
      chip(top[0], top[1]),
      el("span", { class: "count", text: thousands(T.n[node]) + " cases" }),
      !open && litBelow[node] - (lit.has(node) ? 1 : 0) > 0
        ? el("span", { class: "litbelow", text: (litBelow[node] - (lit.has(node) ? 1 : 0)) + " lit below" }) : null
    ])]);
    var li = el("li", { class: cls.join(" "), role: "treeitem", "aria-expanded": String(open), "data-node": node }, [row]);
    if (open && leaf) {
      li.appendChild(el("div", { class: "diff" }, [el("p", { class: "hint", text: "Every cause at this leaf (the mean exact posterior of the " + thousands(T.n[node]) + " training cases that reached it):" }), bars(differential(node))]));
    } else if (open) {
      li.appendChild(el("ul", { role: "group", class: depth[node] >= DEEP ? "deep" : "" }, [nodeItem(T.left[node]), nodeItem(T.right[node])]));
    }
    return li;
  }
  function renderTree(focusNode) {
    treeEl.replaceChildren(nodeItem(0));
    var buttons = treeEl.querySelectorAll("button.toggle");
    var target = focusNode === undefined ? null : treeEl.querySelector('button.toggle[data-node="' + focusNode + '"]');
    (target || buttons[0]).tabIndex = 0;  // one tab stop for the tree; arrows move within it
    if (target) target.focus();
  }
  function toggle(node) {
    if (isLeaf(node)) { if (!openLeaves.delete(node)) openLeaves.add(node); }
    else if (!expanded.delete(node)) expanded.add(node);
    renderTree(node);
  }
  treeEl.addEventListener("click", function (e) {
    var b = e.target.closest("button.toggle");
    if (b) toggle(Number(b.dataset.node));
  });
  treeEl.addEventListener("keydown", function (e) {
    var b = e.target.closest("button.toggle");
    if (!b) return;
    var node = Number(b.dataset.node), buttons = Array.prototype.slice.call(treeEl.querySelectorAll("button.toggle"));
    var i = buttons.indexOf(b), open = isLeaf(node) ? openLeaves.has(node) : expanded.has(node), go = null;
    if (e.key === "ArrowDown") go = buttons[i + 1];
    else if (e.key === "ArrowUp") go = buttons[i - 1];
    else if (e.key === "Home") go = buttons[0];
    else if (e.key === "End") go = buttons[buttons.length - 1];
    else if (e.key === "ArrowRight" && !open) { toggle(node); e.preventDefault(); return; }
    else if (e.key === "ArrowLeft" && open) { toggle(node); e.preventDefault(); return; }
    else if (e.key === "ArrowLeft" && parent[node] >= 0) go = treeEl.querySelector('button.toggle[data-node="' + parent[node] + '"]');
    else return;
    e.preventDefault();
    if (go) { b.tabIndex = -1; go.tabIndex = 0; go.focus(); }
  });
  function openTo(node) {  // open every ancestor so that node is shown
    for (var p = parent[node]; p >= 0; p = parent[p]) expanded.add(p);
  }

  // Search: light every node that tests a finding whose name, id or question matches.
  var searchEl = document.getElementById("search"), statusEl = document.getElementById("search-status");
  function search() {
    var q = searchEl.value.trim().toLowerCase();
    lit.clear();
    litBelow.fill(0);
    var matched = q.length < 2 ? [] : D.findings.filter(function (f) {
      return f.name.toLowerCase().indexOf(q) >= 0 || f.id.indexOf(q.replace(/ /g, "_")) >= 0 || f.question.toLowerCase().indexOf(q) >= 0;
    });
    var ids = new Set(matched.map(function (f) { return f.id; }));
    for (var m = 0; m < NODES; m++) if (!isLeaf(m) && ids.has(nodeFinding[m].id)) lit.add(m);
    for (m = NODES - 1; m >= 0; m--) {  // children come after parents: one backward pass counts
      litBelow[m] += lit.has(m) ? 1 : 0;
      if (parent[m] >= 0) litBelow[parent[m]] += litBelow[m];
    }
    statusEl.replaceChildren();
    if (q.length >= 2) {
      var names = matched.map(function (f) { return f.name; }).join(", ");
      statusEl.append(matched.length ? capital(names) + ": asked at " + thousands(lit.size) + " node" + (lit.size === 1 ? "" : "s") + ". "
        : "No question is about \u201C" + searchEl.value.trim() + "\u201D. ");
      if (lit.size) statusEl.append(el("button", { type: "button", class: "link", text: "Open the tree to show them all", onclick: function () {
        lit.forEach(openTo);
        renderTree();
      } }));
    }
    renderTree();
  }
  searchEl.addEventListener("input", search);

  // -- the questionnaire pane ----------------------------------------------------------------------
  var answers = [];  // [finding id, code, the words shown], in the order asked
  var stopped = false, stoppedAt = -1;
  var answersEl = document.getElementById("answers"), questionEl = document.getElementById("question");

  function saidWords(f, code) {
    if (code !== code) return "don't know";
    if (f.type === "yes/no") return code === 1 ? "yes" : "no";
    if (f.type === "choice") return f.choices[code];
    return formatNumber(code) + (f.unit ? " " + f.unit : "");
  }
  function answer(fid, code) {
    answers.push([fid, code]);
    renderAsk(true);
  }
  function backTo(i) {  // change an answer: forget it and everything after it
    answers = answers.slice(0, i);
    if (stoppedAt >= i) { stopped = false; stoppedAt = -1; }
    renderAsk(true);
  }
  function renderAsk(focus) {
    var given = new Map(answers.map(function (a) { return [a[0], a[1]]; }));
    var state = walkState(given, stopped);
    answersEl.replaceChildren.apply(answersEl, answers.map(function (a, i) {
      var f = FIND[a[0]];
      return el("li", null, [f.question + " ", el("span", { class: "said", text: saidWords(f, a[1]) }), " ",
        el("button", { type: "button", class: "link", text: "change", "aria-label": "Change the answer to: " + f.question, onclick: function () { backTo(i); } })]);
    }));
    state.skipped.forEach(function (s) { answersEl.appendChild(el("li", { class: "note", text: "Skipped: " + s.reason + "." })); });
    onPath = new Set(state.path);
    current = state.leaf === null ? state.path[state.path.length - 1] : -1;
    state.path.forEach(openTo);
    if (current >= 0) openTo(current);
    renderTree();
    if (answers.length || stopped) {
      var mark = treeEl.querySelector('li[data-node="' + state.path[state.path.length - 1] + '"]');
      var pane = document.getElementById("explore");
      // Only a pane that scrolls on its own (wide screens) follows the walk; a phone keeps its place.
      if (mark && getComputedStyle(pane).overflowY === "auto") mark.scrollIntoView({ block: "nearest" });
    }
    questionEl.replaceChildren(state.need !== null ? questionCard(state) : resultCard(given));
    if (focus) {
      // Focus goes to a number box or to the question itself, never to an answer button: a key
      // that is still down (Enter after a number) or repeats must not answer the next question.
      var first = questionEl.querySelector("input") || questionEl.querySelector(".q, h3");
      if (first) first.focus();
    }
  }
  function questionCard(state) {
    var f = FIND[state.need], number = answers.length + 1, error = el("p", { class: "error", role: "alert" });
    var controls = [];
    if (f.type === "yes/no") {
      controls.push(el("button", { type: "button", class: "primary", text: "Yes", onclick: function () { answer(f.id, 1); } }));
      controls.push(el("button", { type: "button", class: "primary", text: "No", onclick: function () { answer(f.id, 0); } }));
    } else if (f.type === "choice") {
      f.choices.forEach(function (c, i) {
        controls.push(el("button", { type: "button", class: "primary", text: capital(c), title: f.choice_text[c], onclick: function () { answer(f.id, i); } }));
      });
    } else {
      var input = el("input", { type: "number", inputmode: "decimal", min: f.min, max: f.max, step: "any", "aria-label": f.question + " (" + f.unit + ")" });
      var submit = function () {
        var text = input.value.trim(), x = Number(text);
        if (text === "" || !isFinite(x) || x < f.min || x > f.max) {
          error.textContent = "Please give a number from " + formatNumber(f.min) + " to " + formatNumber(f.max) + " (" + f.unit + "), or choose Don\u2019t know.";
          input.focus();
          return;
        }
        answer(f.id, x);
      };
      input.addEventListener("keydown", function (e) {
        if (e.key !== "Enter") return;
        e.preventDefault();  // the key press ends here: it is not also a click on what gets focus next
        if (!e.repeat) submit();
      });
      controls.push(input, el("span", { class: "hint", text: f.unit }), el("button", { type: "button", class: "primary", text: "OK", onclick: submit }));
    }
    controls.push(el("button", { type: "button", text: "Don\u2019t know", onclick: function () { answer(f.id, NaN); } }));
    return el("div", { class: "card" }, [
      state.screen ? el("p", { class: "screen-note", text: "Before the result: a few safety questions everyone is asked, because these call for a doctor or a medicine can cause twitching." }) : null,
      el("div", { class: "n", text: "Question " + number }),
      el("p", { class: "q", id: "q-text", tabindex: "-1", text: f.question }),
      el("div", { class: "choices", role: "group", "aria-labelledby": "q-text" }, controls),
      error,
      state.screen ? null : el("div", { class: "stop" }, [el("button", { type: "button", class: "link", text: "Stop here: count the rest as unknown", onclick: function () {
        answers.push([f.id, NaN]);
        stopped = true;
        stoppedAt = answers.length - 1;
        renderAsk(true);
      } })])
    ]);
  }
  function resultCard(given) {
    var c = {};
    given.forEach(function (code, fid) { c[fid] = decodeValue(FIND[fid], code); });
    var r = predict(c);
    var told = r.triage === "see_doctor"
      ? el("div", { class: "triage see_doctor" }, ["What to do: see a doctor.", el("ul", null, r.reasons.map(function (t) { return el("li", { text: t }); }))])
      : el("div", { class: "triage self_care", text: "What to do: self-care is reasonable; see a doctor if it gets worse or does not settle." });
    var asked = answers.length;
    var known = answers.filter(function (a) { return a[1] === a[1]; }).length;  // NaN: "don't know"
    return el("div", { class: "result" }, [
      el("h3", { tabindex: "-1", text: "Most likely: " + r.label + " (" + percent(r.probability) + ")" }),
      el("p", { class: "hint", text: asked + " question" + (asked === 1 ? "" : "s") + " asked: " + known + " answered, " +
        (asked - known) + " unknown (a full form asks " + D.findings.length + ")." }),
      told,
      el("h4", { text: "Every cause, most likely first" }),
      bars(r.differential),
      el("h4", { text: "Advice" }),
      el("p", { text: r.advice })
    ].concat(whyCause(r), treePath(r), [
      el("p", { class: "disclaimer", text: D.disclaimer }),
      el("button", { type: "button", class: "restart", text: "Start again", onclick: function () { backTo(0); } })
    ]));
  }
  // As the text result (predict/result.py) has them: a few reasons, the path, a few open questions.
  var TEXT_FOR = 3, TEXT_AGAINST = 2, TEXT_OPEN = 3, TEXT_MIN_FACTOR = 1.1;
  function factorWords(r) {
    var x = r.odds_ratio >= 1 ? r.odds_ratio : 1 / r.odds_ratio;
    return (r.odds_ratio >= 1 ? "odds x" : "odds /") + x.toFixed(x < 10 ? 1 : 0);
  }
  function factorClause(r, cause) {
    if (r.source_cause === null || r.source_cause === cause) return factorWords(r);
    var other = CAUSE[r.source_cause].label;
    return factorWords(r) + (r.direction === "against" ? ": it points to " + other : ": less like " + other);
  }
  function whyCause(r) {
    var cr = r.cause_reasons, least = Math.log(TEXT_MIN_FACTOR);
    var strong = function (x) { return Math.abs(x.log_odds) >= least; };
    var shown = cr["for"].filter(strong).slice(0, TEXT_FOR).map(function (x) { return ["+", x]; })
      .concat(cr.against.filter(strong).slice(0, TEXT_AGAINST).map(function (x) { return ["\u2212", x]; }));
    var quoted = new Set();
    var items = shown.map(function (sx) {
      var x = sx[1], source = quoted.has(x.source) ? "(the same source as above)" : x.source;
      quoted.add(x.source);
      return el("li", { class: sx[1].direction }, [
        el("span", { class: "sign", "aria-hidden": "true", text: sx[0] + " " }),
        el("span", { class: "sr", text: x.direction === "for" ? "For: " : "Against: " }),
        x.said + " (" + factorClause(x, cr.cause) + ")",
        el("span", { class: "source", text: source })
      ]);
    });
    if (!items.length) items.push(el("li", { text: "none of your answers speaks much for or against it" }));
    return [
      el("h4", { text: "Why this cause" }),
      el("p", { class: "hint", text: "The answers that weigh most, each on its own (by the knowledge base):" }),
      el("ul", { class: "why reasons" }, items)
    ];
  }
  function treePath(r) {
    var lines = r.summary.length ? r.summary : [r.path.length > 1 ? "none of your answers is tested on this path"
      : "the tree asks nothing: it gives the same answer for every case"];
    var out = [
      el("h4", { text: "The tree\u2019s path: your answers it used" }),
      el("ul", { class: "why" }, lines.map(function (t) { return el("li", { text: t }); }))
    ];
    if (r.surer.length) {
      var more = r.surer.length - TEXT_OPEN;
      out.push(el("p", { class: "hint", text: "Answering these would make the result surer:" }),
        el("ul", { class: "why" }, r.surer.slice(0, TEXT_OPEN).map(function (q) { return el("li", { text: FIND[q.finding].question }); })));
      if (more > 0) out.push(el("p", { class: "hint", text: "and " + more + " more on this path" }));
    }
    return out;
  }

  // -- start ---------------------------------------------------------------------------------------
  document.getElementById("disclaimer").textContent = D.disclaimer;
  var s = D.summary;
  document.getElementById("tree-summary").textContent = thousands(s.leaves) + " leaves, up to " + s.depth +
    " questions deep. Open a question with a click or the arrow keys; each row shows the branch taken, the question, " +
    "the most likely cause there with its probability, and how many training cases reached it.";
  var names = document.getElementById("finding-names");
  D.findings.forEach(function (f) { names.appendChild(el("option", { value: f.name })); });
  var legend = document.getElementById("legend");
  D.causes.forEach(function (c) {
    legend.appendChild(el("li", null, [swatch(c.id), " " + c.label, c.doctor ? el("span", { class: "doctor-mark", text: " · doctor" }) : null]));
  });
  renderAsk(false);

  window.bicepTwitch = Object.freeze({ predict: predict, walk: walk, data: D });
})();
