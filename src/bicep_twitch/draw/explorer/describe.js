// bicep-twitch's reader of free text, for the page: core/describe.py's rules on the same data
// (knowledge/vocabulary.json, embedded beside the spec), so a description typed on the page reads
// the findings `bicep-twitch ask` and `predict --text` read from it. No DOM: Node runs it against
// Python's own readings (tests/node/check_describe.js). Every step below mirrors a function of
// core/describe.py of the same name; Python's regular expression calls are kept with their
// semantics (a search from `pos` to `endpos` sees the text before `pos` and ends at `endpos`).
function bicepTwitchDescribe(V) {
  "use strict";

  var raw = V.vocabulary, GRIDS = V.grids;
  var WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
  var MAX_TEXT_CHARS = 10000;

  // -- Python's re, as the reader uses it ------------------------------------------------------
  function re(source) { return { source: source }; }
  function compiled(r, flags) {
    var key = "_" + flags;
    if (!r[key]) r[key] = new RegExp(r.source, flags);
    return r[key];
  }
  // Every match of r in s[..endpos], from pos on (Python's pattern.finditer(s, pos, endpos)).
  function finditer(r, s, pos, endpos) {
    var g = compiled(r, "gd"), text = endpos === undefined ? s : s.slice(0, endpos), out = [], m;
    g.lastIndex = pos || 0;
    while ((m = g.exec(text)) !== null) {
      out.push(m);
      if (m[0].length === 0) g.lastIndex++;
    }
    return out;
  }
  function search(r, s, pos, endpos) {
    var g = compiled(r, "gd"), text = endpos === undefined ? s : s.slice(0, endpos);
    g.lastIndex = pos || 0;
    return g.exec(text);
  }
  function match(r, s, pos) {  // anchored at pos (Python's pattern.match)
    var y = compiled(r, "yd");
    y.lastIndex = pos || 0;
    return y.exec(s);
  }
  function fullmatch(r, s) {
    if (!r.full) r.full = new RegExp("^(?:" + r.source + ")$");
    return r.full.exec(s);
  }
  function end(m) { return m.index + m[0].length; }
  function groupStart(m, k) { return m.indices[k][0]; }
  // re.escape: Python escapes these characters (the lengths decide the order of alternatives).
  function pyEscape(w) { return w.replace(/[()[\]{}?*+\-|^$\\.&~# \t\n\r\v\f]/g, "\\$&"); }
  function wordsRegex(words) {
    var sorted = words.slice().sort(function (a, b) { return b.length - a.length; });  // stable, as sorted()
    return "\\b(?:" + sorted.join("|") + ")\\b";
  }
  function isalpha(ch) { return /\p{L}/u.test(ch); }
  function splitWords(t) { return t.split(/\s+/).filter(function (w) { return w.length > 0; }); }
  function strip(t, chars) {
    var a = 0, b = t.length;
    while (a < b && chars.indexOf(t[a]) >= 0) a++;
    while (b > a && chars.indexOf(t[b - 1]) >= 0) b--;
    return t.slice(a, b);
  }

  // -- the vocabulary, compiled: describe.py _compile ------------------------------------------
  var numbers = raw.numbers;
  var numberValues = {};
  Object.keys(numbers.words).forEach(function (k) { numberValues[k] = numbers.words[k]; });
  Object.keys(numbers.rough).forEach(function (k) { numberValues[k] = numbers.rough[k]; });
  var tens = Object.keys(numbers.words).filter(function (w) { var x = numbers.words[w]; return x >= 20 && x < 100 && x % 10 === 0; });
  var unitWords = Object.keys(numbers.words).filter(function (w) { var x = numbers.words[w]; return x >= 1 && x <= 9; });
  var compound = "\\b(?:" + tens.join("|") + ")[- ](?:" + unitWords.join("|") + ")\\b";
  var one = "(?:(?<![\\d.])\\d+(?:\\.\\d+)?|" + compound + "|" + wordsRegex(Object.keys(numberValues).map(pyEscape)).slice(2) + ")";
  var rangeJoiner = numbers.range_joiners;
  var num = numbers.fillers + "((?:from\\s+)?" + one + "(?:" + rangeJoiner + one + ")?)";
  var units = raw.units;
  var unit = "(" + Object.keys(units.duration_days).join("|") + ")";
  var periods = Object.keys(units.per_day).map(function (k) { return [re("^\\s*(?:" + k + ")"), units.per_day[k]]; });
  function pattern(text) { return re(text.split("{num}").join(num).split("{unit}").join(unit)); }

  var rules = [], types = {}, findings = raw.findings, MOVEMENT = "movement";
  function rule(finding, kind, regex, extra) {
    var r = { finding: finding, kind: kind, regex: regex, value: null, factor: 1, needs_in_sentence: null,
      needs_movement_in_clause: false, daily: false, unclear_with: null };
    Object.keys(extra || {}).forEach(function (k) { r[k] = extra[k]; });
    return r;
  }
  Object.keys(findings).forEach(function (fid) {
    var spec = findings[fid];
    if ("choices" in spec && fid !== "weakness_onset") {
      types[fid] = "choice";
      Object.keys(spec.choices).forEach(function (choice) {
        spec.choices[choice].forEach(function (p) { rules.push(rule(fid, "choice", re("\\b(?:" + p + ")"), { value: choice })); });
      });
    } else if ("amounts" in spec || "durations" in spec || "ages" in spec || "zero_phrases" in spec) {
      types[fid] = "number";
      (spec.amounts || []).forEach(function (a) {
        rules.push(rule(fid, "amount", pattern("(?<![\\w.])" + a.pattern), { factor: a.factor,
          needs_in_sentence: "needs_in_sentence" in a ? re(a.needs_in_sentence) : null, daily: Boolean(spec.daily) }));
      });
      (spec.zero || []).forEach(function (p) { rules.push(rule(fid, "zero", re("\\b(?:" + p + ")"), { value: 0 })); });
      (spec.zero_phrases || []).forEach(function (p) { rules.push(rule(fid, "zero_phrase", re("\\b(?:" + p + ")"), { value: 0 })); });
      (spec.durations || []).forEach(function (p) { rules.push(rule(fid, "duration", pattern("\\b" + p))); });
      Object.keys(spec.relative || {}).forEach(function (p) {
        rules.push(rule(fid, "relative", re("\\b(?:" + p + ")\\b"), { value: spec.relative[p] }));
      });
      (spec.ages || []).forEach(function (p) { rules.push(rule(fid, "age", re(p))); });
    } else if (fid !== "weakness_onset") {
      types[fid] = "yes/no";
      var unclear = "unclear_with" in spec ? re("\\b(?:" + spec.unclear_with + ")") : null;
      ["yes", "no", "negated_only"].forEach(function (kind) {
        (spec[kind] || []).forEach(function (p) {
          if (typeof p === "object") {
            rules.push(rule(fid, kind, re("\\b(?:" + p.pattern + ")"), { value: kind === "yes",
              needs_movement_in_clause: p.needs_in_clause === MOVEMENT, unclear_with: unclear }));
          } else {
            rules.push(rule(fid, kind, re("\\b(?:" + p + ")"), { value: kind === "yes", unclear_with: unclear }));
          }
        });
      });
    }
  });
  var onsetSpec = findings.weakness_onset;
  types.weakness_onset = "choice";
  var onset = ["weakness_onset", onsetSpec["with"], Object.keys(onsetSpec.choices).map(function (c) {
    return [c, re("\\b(?:" + onsetSpec.choices[c] + ")\\b")];
  })];
  var topics = Object.keys(findings).filter(function (fid) { return "topic" in findings[fid]; }).map(function (fid) {
    return [fid, re("\\b(?:" + findings[fid].topic + ")")];
  });
  var perDayWords = Object.keys(units.per_day).join("|");
  var meds = raw.medicines, medicineNames = [], medicineClasses = Object.keys(meds.classes);
  medicineClasses.forEach(function (fid) {
    var spec = meds.classes[fid];
    types[fid] = "yes/no";
    var names = re(wordsRegex(spec.names));
    medicineNames.push([fid, names]);
    rules.push(rule(fid, "yes", names, { value: true }));
    (spec.negated_only || []).forEach(function (p) { rules.push(rule(fid, "negated_only", re(wordsRegex([p])), { value: false })); });
  });
  var parts = findings.other_muscles_affected, neg = raw.negation, spelling = raw.spelling;
  var spellingWords = new Set(spelling.words);
  medicineClasses.forEach(function (fid) {
    meds.classes[fid].names.forEach(function (w) { if (/^[a-z]+$/.test(w)) spellingWords.add(w); });
  });
  var v = {
    sentence_breaks: re(raw.clauses.sentence_breaks),
    clause_breaks: re(raw.clauses.clause_breaks),
    negation_cues: re(wordsRegex(neg.cues)),
    negation_after: re(neg.after),
    max_gap_words: neg.max_gap_words,
    zero_gap: re(neg.zero_gap),
    resolved_after: re(neg.resolved_after),
    list_joiner: re(neg.list_joiners),
    hedges: re(wordsRegex(raw.hedges)),
    range_joiner: re(rangeJoiner),
    duration_units: Object.keys(units.duration_days).map(function (k) { return [re(k), units.duration_days[k]]; }),
    unread_period: re(units.unread_period),
    bare_amount: re("(?<![\\w.])" + num + "\\s*(?=(?:" + perDayWords + "))"),
    duration_anchor: re(findings.duration_days.anchors),
    parts: re(parts.parts),
    parts_adding: re(parts.parts_adding),
    parts_not_after: re(parts.parts_not_after),
    parts_not_before: re(parts.parts_not_before),
    medicine_none: meds.none.map(function (p) { return re("\\b(?:" + p + ")"); }),
    medicine_only: meds.only.map(function (p) { return re("\\b(?:" + p + ")"); }),
    medicine_past: re(wordsRegex(meds.past)),
    stopped: ["stopped_drinking_recently", findings.stopped_drinking_recently.voids_zero_of],
    spelling_words: Array.from(spellingWords),
    spelling_min: spelling.min_length,
    spelling_cutoff: spelling.cutoff,
    amount: re("^" + num + "\\s*([^]*)$"),
    answer_yes: new Set(raw.answers.yes),
    answer_no: new Set(raw.answers.no),
    time_unit_days: raw.answers.time_unit_days
  };

  // -- misspellings: difflib.get_close_matches(word, candidates, n=1, cutoff) ---------------------
  function matchedChars(a, b) {  // SequenceMatcher(None, a, b): the sum of get_matching_blocks' sizes
    var b2j = {};
    for (var j = 0; j < b.length; j++) (b2j[b[j]] = b2j[b[j]] || []).push(j);
    var total = 0, queue = [[0, a.length, 0, b.length]];
    while (queue.length) {
      var q = queue.pop(), alo = q[0], ahi = q[1], blo = q[2], bhi = q[3];
      var besti = alo, bestj = blo, bestsize = 0, j2len = {};
      for (var i = alo; i < ahi; i++) {
        var newj2len = {}, js = b2j[a[i]] || [];
        for (var t = 0; t < js.length; t++) {
          var jj = js[t];
          if (jj < blo) continue;
          if (jj >= bhi) break;
          var k = newj2len[jj] = (j2len[jj - 1] || 0) + 1;
          if (k > bestsize) { besti = i - k + 1; bestj = jj - k + 1; bestsize = k; }
        }
        j2len = newj2len;
      }
      while (besti > alo && bestj > blo && a[besti - 1] === b[bestj - 1]) { besti--; bestj--; bestsize++; }
      while (besti + bestsize < ahi && bestj + bestsize < bhi && a[besti + bestsize] === b[bestj + bestsize]) bestsize++;
      if (bestsize) {
        total += bestsize;
        if (alo < besti && blo < bestj) queue.push([alo, besti, blo, bestj]);
        if (besti + bestsize < ahi && bestj + bestsize < bhi) queue.push([besti + bestsize, ahi, bestj + bestsize, bhi]);
      }
    }
    return total;
  }
  function closeWord(word, words, cutoff) {
    var best = null;
    words.forEach(function (w) {
      if (w[0] !== word[0]) return;
      var score = 2 * matchedChars(w, word) / (w.length + word.length);
      if (score < cutoff) return;
      if (best === null || score > best[0] || (score === best[0] && w > best[1])) best = [score, w];
    });
    return best === null ? null : best[1];
  }

  // -- reading: describe.py _Reader -------------------------------------------------------------
  function Reader(text, today) {
    this.text = text;
    this.today = today;
    var norm = this.normalise(text);
    this.s = norm[0];
    this.orig = norm[1];
    this.notes = [];
    var self = this;
    this.sentences = this.spans(v.sentence_breaks, 0, this.s.length);
    this.clauses = [];
    this.sentences.forEach(function (ab) { self.spans(v.clause_breaks, ab[0], ab[1]).forEach(function (c) { self.clauses.push(c); }); });
    this.hedgeSpans = finditer(v.hedges, this.s).map(function (m) { return [m.index, end(m)]; });
  }
  var R = Reader.prototype;
  R.normalise = function (text) {
    var s = "";
    for (var c of text) { var l = c.toLowerCase(); s += Array.from(l).length === 1 ? l : c; }
    s = s.replace(/\u2019/g, "'").replace(/\u2018/g, "'");
    var out = [], orig = [], pos = 0, i, re1 = /[a-z]+/g, m;
    while ((m = re1.exec(s)) !== null) {
      var word = m[0];
      if (word.length < v.spelling_min || spellingWords.has(word)) continue;
      var fixed = closeWord(word, v.spelling_words, v.spelling_cutoff);
      if (fixed === null || fixed === word) continue;
      out.push(s.slice(pos, m.index));
      for (i = pos; i < m.index; i++) orig.push(i);
      out.push(fixed);
      for (i = 0; i < fixed.length; i++) orig.push(m.index);
      pos = m.index + word.length;
    }
    out.push(s.slice(pos));
    for (i = pos; i < s.length; i++) orig.push(i);
    orig.push(s.length);
    return [out.join(""), orig];
  };
  R.spans = function (breaks, a, b) {
    var spans = [], start = a;
    finditer(breaks, this.s, a, b).forEach(function (m) { spans.push([start, m.index]); start = end(m); });
    spans.push([start, b]);
    return spans;
  };
  function around(spans, pos) {
    for (var i = 0; i < spans.length; i++) if (spans[i][0] <= pos && pos <= spans[i][1]) return spans[i];
    return [0, 0];
  }
  R.sentence = function (pos) { return around(this.sentences, pos); };
  R.clause = function (pos) { return around(this.clauses, pos); };
  function same(x, y) { return x[0] === y[0] && x[1] === y[1]; }
  R.quote = function (start, stop) {
    var a = this.orig[start], b = stop > start ? this.orig[stop - 1] + 1 : this.orig[start], t = this.text;
    while (b < t.length && isalpha(t[b - 1]) && isalpha(t[b])) b++;
    return [a, b, t.slice(a, b)];
  };
  function hit(r, start, stop, value, follows) {
    return { rule: r, start: start, end: stop, value: value === undefined ? null : value, negated: false, hedged: false,
      cue: null, follows: follows || null };
  }
  function byStart(x, y) { return (x.start - y.start) || ((y.end - y.start) - (x.end - x.start)); }

  R.read = function () {
    var hits = this.match();
    this.negate(hits);
    var readings = this.readings(hits);
    readings = readings.concat(this.medicineLists(readings));
    var settled = this.settle(readings);
    return { text: this.text, case: settled[0], evidence: settled[1], notes: Array.from(new Set(this.notes)) };
  };
  R.match = function () {
    var s = this.s, self = this, hits = [];
    this.movementAt = [];
    rules.forEach(function (r) { if (r.finding === MOVEMENT) finditer(r.regex, s).forEach(function (m) { self.movementAt.push(m.index); }); });
    rules.forEach(function (r) {
      finditer(r.regex, s).forEach(function (m) { var h = self.hit(r, m); if (h !== null) hits.push(h); });
    });
    hits = hits.concat(this.bareAmounts(hits));
    hits = hits.concat(this.otherParts(hits.filter(function (h) { return h.rule.finding === MOVEMENT; })));
    var doubted = this.doubtedSentences();
    hits.forEach(function (h) {
      var c = self.clause(h.start), a = c[0], b = c[1], sen = self.sentence(h.start);
      h.hedged = doubted.some(function (d) { return same(d, sen); }) || self.hedgeSpans.some(function (hs) {
        return (a <= hs[0] && hs[0] < h.start) || (hs[0] <= h.start && h.start < hs[1]) ||
          (h.end <= hs[0] && hs[0] < b && !strip(s.slice(h.end, hs[0]), " ,"));
      });
    });
    hits.sort(byStart);
    return hits;
  };
  R.doubtedSentences = function () {
    var out = [];
    for (var i = 0; i + 1 < this.sentences.length; i++) {
      var ab = this.sentences[i + 1], words = strip(this.s.slice(ab[0], ab[1]), " ,-");
      if (words && fullmatch(v.hedges, words)) out.push(this.sentences[i]);
    }
    return out;
  };
  R.inMovementClause = function (pos) {
    var c = this.clause(pos);
    return this.movementAt.some(function (p) { return c[0] <= p && p < c[1]; });
  };
  R.hit = function (r, m) {
    var kind = r.kind, s = this.s, start = m.index, stop = end(m), per, value;
    if (r.needs_in_sentence !== null) {
      var sen = this.sentence(start);
      if (!search(r.needs_in_sentence, s, sen[0], sen[1])) return null;
    }
    if (r.needs_movement_in_clause && !this.inMovementClause(start)) return null;
    if (r.unclear_with !== null) {
      var cl = this.clause(start);
      if (search(r.unclear_with, s, cl[0], cl[1])) {
        this.notes.push(r.finding + ": '" + s.slice(start, stop) + "' is said of training, soreness or tiredness; left unknown");
        return null;
      }
    }
    if (["yes", "no", "negated_only", "choice", "zero", "zero_phrase"].indexOf(kind) >= 0) return hit(r, start, stop, r.value);
    if (kind === "amount") {
      value = this.amount(m[1]);
      if (value === null) return null;
      per = 1;
      if (r.daily) { var p = this.period(stop, r.finding); stop = p[0]; per = p[1]; }
      if (per === null) return null;
      return hit(r, start, stop, value * r.factor * per);
    }
    if (kind === "duration" || kind === "relative") {
      if (!this.anchored(start)) return null;
      if (kind === "duration") {
        value = this.amount(m[1]);
        var factor = null;
        for (var i = 0; i < v.duration_units.length; i++) {
          if (fullmatch(v.duration_units[i][0], m[2])) { factor = v.duration_units[i][1]; break; }
        }
        if (value === null || factor === null) return null;
        return hit(r, start, stop, value * factor);
      }
      if (r.value === "weekday") {
        var day = WEEKDAYS.indexOf(m[1]), back = ((this.today - day) % 7 + 7) % 7 || 7;
        return hit(r, start, stop, back);
      }
      return hit(r, start, stop, r.value);
    }
    if (kind === "age") return hit(r, groupStart(m, 1), stop, parseFloat(m[1]));
    throw new Error(kind);
  };
  R.anchored = function (pos) {
    if (this.inMovementClause(pos)) return true;
    var c = this.clause(pos), sen = this.sentence(pos);
    return Boolean(match(v.duration_anchor, this.s.slice(c[0], c[1]))) &&
      this.movementAt.some(function (p) { return sen[0] <= p && p < sen[1]; });
  };
  R.amount = function (words) {
    words = words.trim();
    var change = words.indexOf("from ") === 0;
    if (change) words = words.slice(5);
    var whole = this.numberWord(words);
    if (whole !== null) return whole;
    var ps = words.split(compiled(v.range_joiner, "")).map(function (p) { return p.trim(); }).filter(Boolean), values = [];
    for (var i = 0; i < ps.length; i++) {
      if (/^\d+(?:\.\d+)?$/.test(ps[i])) values.push(parseFloat(ps[i]));
      else if (this.numberWord(ps[i]) !== null) values.push(this.numberWord(ps[i]));
      else return null;
    }
    if (!values.length) return null;
    if (change) return values[values.length - 1];
    if (values.length === 2) return (values[0] + values[1]) / 2;
    return values[0];
  };
  R.numberWord = function (words) {
    if (Object.prototype.hasOwnProperty.call(numberValues, words)) return numberValues[words];
    var p = words.split(/[- ]/);
    var x = function (w) { return Object.prototype.hasOwnProperty.call(numberValues, w) ? numberValues[w] : 0; };
    if (p.length === 2 && x(p[0]) >= 20 && x(p[1]) >= 1 && x(p[1]) <= 9) return x(p[0]) + x(p[1]);
    return null;
  };
  R.period = function (stop, finding) {
    var rest = this.s.slice(stop, stop + 40);
    if (match(v.unread_period, rest)) {
      this.notes.push(finding + ": an amount for a weekend, a night out or a month is not a daily average; not read");
      return [stop, null];
    }
    for (var i = 0; i < periods.length; i++) {
      var m = match(periods[i][0], rest);
      if (m) return [stop + end(m), periods[i][1]];
    }
    return [stop, 1];
  };
  R.bareAmounts = function (hits) {
    var self = this, s = this.s, out = [];
    var taken = hits.filter(function (h) { return h.rule.kind === "amount"; }).map(function (h) { return [h.start, h.end]; });
    finditer(v.bare_amount, s).forEach(function (m) {
      var mEnd = end(m);
      if (taken.some(function (t) { return t[0] < mEnd && m.index < t[1]; })) return;
      var sa = self.sentence(m.index)[0], best = null;
      topics.forEach(function (ft) {
        finditer(ft[1], s, sa, m.index).forEach(function (t) { if (best === null || t.index > best[1]) best = [ft[0], t.index]; });
      });
      if (best === null) return;
      var value = self.amount(m[1]);
      if (value === null) return;
      var p = self.period(mEnd, best[0]);
      if (p[1] === null) return;
      out.push(hit(rule(best[0], "amount", v.bare_amount, { daily: true }), m.index, p[0], value * p[1]));
    });
    return out;
  };
  R.otherParts = function (movement) {
    var self = this, s = this.s, out = [], r = rule("other_muscles_affected", "yes", v.parts, { value: true });
    finditer(v.parts, s).forEach(function (m) {
      var sen = self.sentence(m.index), mEnd = end(m);
      if (search(v.parts_not_after, s.slice(sen[0], m.index)) || match(v.parts_not_before, s.slice(mEnd, mEnd + 30))) return;
      var cl = self.clause(m.index);
      var word = movement.find(function (h) { return cl[0] <= h.start && h.start < cl[1]; }) || null;
      if (word === null && search(v.parts_adding, s, cl[0], cl[1])) {
        word = movement.find(function (h) { return sen[0] <= h.start && h.start < sen[1]; }) || null;
      }
      if (word !== null) out.push(hit(r, m.index, mEnd, true, word));
    });
    return out;
  };

  // -- negation -----------------------------------------------------------------------------------
  R.negate = function (hits) {
    var self = this, s = this.s;
    var listed = hits.filter(function (h) { return h.rule.kind !== "amount"; });
    var cues = finditer(v.negation_cues, s).filter(function (m) {
      return !self.hedgeSpans.some(function (hs) { return hs[0] <= m.index && m.index < hs[1]; });
    }).map(function (m) { return [m.index, end(m)]; });
    hits.forEach(function (h) {
      if (h.follows !== null) return;
      h.cue = self.direct(h, hits, cues);
      var after = match(v.negation_after, s.slice(h.end, h.end + 20));
      h.negated = h.cue !== null || Boolean(after);
      if (after && h.cue === null) h.end += end(after);
    });
    hits.forEach(function (h) { if (h.follows !== null) h.negated = h.follows.negated; });
    listed.forEach(function (h, i) {
      if (h.negated || i === 0 || h.follows !== null) return;
      var prev = listed[i - 1];
      if (prev.end > h.start || !same(self.sentence(prev.start), self.sentence(h.start))) return;
      var joiner = match(v.list_joiner, s.slice(prev.end, h.start));
      if (!joiner || prev.negated === false) return;
      if (["or", "nor", "/"].indexOf(joiner[1]) >= 0) h.negated = prev.negated;
      else h.negated = self.closedByOr(listed, i) ? true : null;
    });
  };
  R.direct = function (h, hits, cues) {
    var sa = this.sentence(h.start)[0];
    var before = cues.filter(function (c) { return sa <= c[0] && c[1] <= h.start; });
    if (!before.length) return null;
    var cueStart = before[before.length - 1][0], cueEnd = before[before.length - 1][1];
    var gap = this.s.slice(cueEnd, h.start);
    if (search(v.clause_breaks, gap) || splitWords(gap).length > v.max_gap_words) return null;
    if (hits.some(function (o) { return cueEnd <= o.start && o.end <= h.start && o !== h; })) return null;
    if (h.rule.kind === "zero" && !match(v.zero_gap, gap)) return null;
    return cueStart;
  };
  R.closedByOr = function (listed, i) {
    for (var j = i + 1; j < listed.length; j++) {
      var joiner = match(v.list_joiner, this.s.slice(listed[j - 1].end, listed[j].start));
      if (!joiner || !same(this.sentence(listed[j].start), this.sentence(listed[i].start))) return false;
      if (joiner[1] === "or" || joiner[1] === "nor") return true;
    }
    return false;
  };

  // -- from hits to readings ----------------------------------------------------------------------
  R.readings = function (hits) {
    var self = this, s = this.s, out = [];
    hits.forEach(function (h) {
      var kind = h.rule.kind, words = s.slice(h.start, h.end), fid = h.rule.finding;
      if (h.hedged) { self.notes.push(fid + ": '" + words + "' is hedged; left unknown"); return; }
      if (h.negated === null && kind === "no") h.negated = false;
      if (h.negated === null) { self.notes.push(fid + ": '" + words + "' follows a negation whose reach is unclear; left unknown"); return; }
      if (kind === "yes" && !h.negated && match(v.resolved_after, s.slice(h.end, h.end + 40))) {
        self.notes.push(fid + ": '" + words + "' is said to be over; left unknown");
        return;
      }
      if (kind === "yes" || kind === "no") {
        if (h.negated && kind === "no") return;
        h.value = (kind === "yes") !== h.negated;
      } else if (kind === "negated_only" || kind === "zero") {
        if (!h.negated) return;
        h.value = kind === "negated_only" ? false : 0;
      } else if (h.negated) return;
      if (h.value === true && medicineClasses.indexOf(fid) >= 0 && self.inThePast(h)) {
        self.notes.push(fid + ": '" + words + "' was taken in the past; left unknown");
        return;
      }
      out.push(h);
    });
    if (out.some(function (h) { return h.rule.finding === v.stopped[0] && h.value === true; })) {
      out = out.filter(function (h) { return !(h.rule.finding === v.stopped[1] && h.rule.kind === "zero"); });
    }
    return out.concat(this.onsets(out));
  };
  R.inThePast = function (h) {
    var sen = this.sentence(h.start);
    return Boolean(search(v.medicine_past, this.s, sen[0], sen[1]));
  };
  R.onsets = function (readings) {
    var self = this, fid = onset[0], parentId = onset[1], choices = onset[2], out = [];
    readings.forEach(function (h) {
      if (h.rule.finding !== parentId || h.value !== true) return;
      var cl = self.clause(h.start), found = [];
      choices.forEach(function (cr) {
        finditer(cr[1], self.s, cl[0], cl[1]).forEach(function (m) { found.push([cr[0], m.index, end(m)]); });
      });
      var kinds = new Set(found.map(function (x) { return x[0]; }));
      if (kinds.size === 1) {
        var first = found.reduce(function (a, b) { return b[1] < a[1] ? b : a; });
        out.push(hit(rule(fid, "choice", choices[0][1]), first[1], first[2], first[0]));
      } else if (found.length) self.notes.push(fid + ": the words give more than one onset; left unknown");
    });
    return out;
  };
  R.medicineLists = function () {
    var s = this.s, out = [];
    v.medicine_none.forEach(function (r) {
      finditer(r, s).forEach(function (m) {
        medicineClasses.forEach(function (fid) { out.push(hit(rule(fid, "no", r), m.index, end(m), false)); });
      });
    });
    v.medicine_only.forEach(function (r) {
      finditer(r, s).forEach(function (m) {
        var name = m[1];
        var named = medicineNames.filter(function (fn) { return fullmatch(fn[1], name); }).map(function (fn) { return fn[0]; });
        if (["the", "one", "this", "that", "pill", "them", "it"].indexOf(name) >= 0) return;
        medicineClasses.forEach(function (fid) {
          if (named.indexOf(fid) < 0) out.push(hit(rule(fid, "no", r), m.index, end(m), false));
        });
      });
    });
    return out;
  };
  R.settle = function (readings) {
    var self = this, byFinding = new Map();
    readings.slice().sort(byStart).forEach(function (h) {
      if (!byFinding.has(h.rule.finding)) byFinding.set(h.rule.finding, []);
      var kept = byFinding.get(h.rule.finding);
      if (kept.some(function (k) { return k.start < h.end && h.start < k.end; })) return;
      kept.push(h);
    });
    var chosen = new Map();
    byFinding.forEach(function (kept, fid) {
      var values = [];
      kept.forEach(function (h) { var x = self.typed(fid, h); if (x !== null) values.push([h, x]); });
      var distinct = Array.from(new Set(values.map(function (hv) { return JSON.stringify(hv[1]); }))).sort();
      if (distinct.length > 1) { self.notes.push(fid + ": read as " + distinct.join(" and as ") + "; left unknown"); return; }
      if (medicineClasses.indexOf(fid) >= 0 && !values.length) return;
      if (values.length) chosen.set(fid, values[0]);
    });
    if (chosen.has(onset[0]) && !(chosen.has(onset[1]) && chosen.get(onset[1])[1] === true)) chosen.delete(onset[0]);
    var evidence = [], c = {};
    Array.from(chosen.entries()).sort(function (x, y) { return x[1][0].start - y[1][0].start; }).forEach(function (kv) {
      var h = kv[1][0], q = self.quote(h.cue === null ? h.start : h.cue, h.end);
      evidence.push({ finding: kv[0], value: kv[1][1], start: q[0], end: q[1], text: q[2] });
      c[kv[0]] = kv[1][1];
    });
    return [c, evidence];
  };
  R.typed = function (fid, h) {
    if (types[fid] !== "number") return h.value;
    var g = GRIDS[fid], lo = g[0], hi = g[1], step = g[2], rawValue = h.value;
    var snapped = Math.floor(rawValue / step + 0.5 + 1e-9) * step;
    if (rawValue > 0 && snapped === 0) snapped = step;
    snapped = Number(snapped.toFixed(9));
    var words = this.s.slice(h.start, h.end);
    if (!(lo <= snapped && snapped <= hi)) {
      this.notes.push(fid + ": '" + words + "' gives " + rawValue + ", outside " + lo + " to " + hi + "; not read");
      return null;
    }
    return snapped;
  };

  // -- the public entry points --------------------------------------------------------------------
  // today: [year, month, day] or a Date; default the local date (as Python's date.today()).
  function weekday(today) {
    var d = today === undefined ? new Date() : Array.isArray(today) ? new Date(today[0], today[1] - 1, today[2]) : today;
    return (d.getDay() + 6) % 7;  // Monday 0, as Python's date.weekday()
  }
  function parseDescription(text, today) {
    if (typeof text !== "string") throw new TypeError("parseDescription: 'text' must be a string");
    if (text.length > MAX_TEXT_CHARS) throw new RangeError("parseDescription: 'text' must be at most 10,000 characters");
    return new Reader(text, weekday(today)).read();
  }

  // One typed answer to the question of finding f (the spec's finding: id, type, choices, min,
  // max, unit): describe.py read_answer. Returns {value} (null: don't know) or {error: words}.
  function readAnswer(f, text, today) {
    var word = text.trim();
    if (word === "" || word === "?") return { value: null };
    var low = splitWords(word.toLowerCase()).join(" ").replace(/\u2019/g, "'").replace(/\u2018/g, "'");
    if (f.type === "yes/no") {
      if (v.answer_yes.has(low) || v.answer_no.has(low)) return { value: v.answer_yes.has(low) };
    } else if (f.type === "choice") {
      if (f.choices.indexOf(low) >= 0) return { value: low };
    } else {
      var number = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.test(word) ? parseFloat(word) : null;
      if (number === null) {
        var typed = typedAmount(f, low, word, weekday(today));
        if (typed.error) return typed;
        number = typed.value;
      }
      if (number !== null) {
        if (!(f.min <= number && number <= f.max)) return { error: "out of range", value: number };
        return { value: number };
      }
    }
    var read = parseDescription(word, today);
    if (Object.prototype.hasOwnProperty.call(read.case, f.id)) return { value: read.case[f.id] };
    return { error: "not an answer" };
  }
  function typedAmount(f, low, word, today) {
    var reader = new Reader(low, today), s = reader.s, m = match(v.amount, s);
    var value = m ? reader.amount(m[1]) : null;
    if (value === null) return { value: null };
    var rest = m[2].trim();
    if (!rest) return { value: value };
    var days = Object.prototype.hasOwnProperty.call(v.time_unit_days, f.id) ? v.time_unit_days[f.id] : null;
    for (var i = 0; days !== null && i < v.duration_units.length; i++) {
      if (fullmatch(v.duration_units[i][0], rest)) return { value: value * v.duration_units[i][1] / days };
    }
    for (var k = 0; k < rules.length; k++) {
      var r = rules[k];
      if (r.finding !== f.id || (r.kind !== "amount" && r.kind !== "age")) continue;
      var h = match(r.regex, s);
      if (!h) continue;
      var amount = r.kind === "amount" ? reader.amount(h[1]) : parseFloat(h[1]);
      var p = r.daily ? reader.period(end(h), f.id) : [end(h), 1];
      if (amount !== null && p[1] !== null && !s.slice(p[0]).trim()) return { value: amount * r.factor * p[1] };
    }
    return { error: "unit", unit: splitWords(rest)[0] || rest, time: days !== null };
  }

  return { parseDescription: parseDescription, readAnswer: readAnswer, vocabulary: v, Reader: Reader, weekday: weekday,
    finditer: finditer, match: match, fullmatch: fullmatch, rules: rules, types: types };
}
if (typeof module === "object" && module.exports) module.exports = bicepTwitchDescribe;
