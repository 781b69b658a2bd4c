// bicep-twitch explorer: the tree as a list to open and close, and the questionnaire beside it.
// Everything comes from the JSON written by bicep_twitch/draw/explorer.py; nothing is loaded.
// The walking, summing and rules are in logic.js (bicepTwitchLogic, run before this); this file
// only draws, and answers the person's clicks and keys.
(function () {
  "use strict";

  var D = JSON.parse(document.getElementById("bicep-twitch-data").textContent);
  var B = bicepTwitchLogic(D);
  var T = D.tree, NODES = B.NODES, FIND = B.FIND, CAUSE = B.CAUSE, nodeFinding = B.nodeFinding;
  var parent = B.parent, depth = B.depth, isLeaf = B.isLeaf, percent = B.percent, thousands = B.thousands;
  var differential = B.differential, topCause = B.topCause, predict = B.predict, walk = B.walk;
  // The reader of free text (describe.js): the description box shows only with it and its data.
  var READ = typeof bicepTwitchDescribe === "function" && D.describe ? bicepTwitchDescribe(D.describe) : null;
  var DESCRIPTION = B.DESCRIPTION;
  var n;

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
  var answers = [];  // [{finding, code, phase, stop}], in the order asked: the questionnaire's whole state
  var EM = B.EM;
  // The emergency screen's one question is no finding of the knowledge base; it is asked as a yes/no one.
  var SCREEN_FINDING = { id: EM.id, type: "yes/no", question: EM.asks, name: "the emergency screen" };
  function findingOf(fid) { return fid === EM.id ? SCREEN_FINDING : FIND[fid]; }
  var answersEl = document.getElementById("answers"), questionEl = document.getElementById("question");

  function answerAt(fid, code, phase, stop) {
    answers.push({ finding: fid, code: code, phase: phase, stop: Boolean(stop) });
    renderAsk(true);
  }
  function backTo(i) {  // change an answer: forget it and everything after it
    answers = answers.slice(0, i);
    renderAsk(true);
  }
  function renderAsk(focus) {
    var state = B.step(answers, READ !== null);
    var shown = [];
    answers.forEach(function (a, i) {
      if (a.finding === DESCRIPTION) {
        if (a.text) shown.push(el("li", { class: "described" }, ["Your description: \u201C" + a.text + "\u201D ",
          el("button", { type: "button", class: "link", text: "change", "aria-label": "Change your description", onclick: function () { backTo(i); } })]));
        return;
      }
      var f = findingOf(a.finding);
      shown.push(el("li", null, [f.question + " ", el("span", { class: "said", text: B.answeredWords(f, a.code) }),
        a.words ? el("span", { class: "from", text: " (from \u201C" + a.words + "\u201D)" }) : null, " ",
        el("button", { type: "button", class: "link", text: "change", "aria-label": "Change the answer to: " + f.question, onclick: function () { backTo(i); } })]));
    });
    answersEl.replaceChildren.apply(answersEl, shown);
    state.skipped.forEach(function (s) { answersEl.appendChild(el("li", { class: "note", text: "Skipped: " + s.reason + "." })); });
    onPath = new Set(state.path);
    current = state.leaf === null ? state.path[state.path.length - 1] : -1;
    state.path.forEach(openTo);
    if (current >= 0) openTo(current);
    renderTree();
    if (answers.length) {
      var mark = treeEl.querySelector('li[data-node="' + state.path[state.path.length - 1] + '"]');
      var pane = document.getElementById("explore");
      // Only a pane that scrolls on its own (wide screens) follows the walk; a phone keeps its place.
      if (mark && getComputedStyle(pane).overflowY === "auto") mark.scrollIntoView({ block: "nearest" });
    }
    questionEl.replaceChildren(state.phase === "description" ? describeCard() : state.need !== null ? questionCard(state) : resultCard(state));
    var askPane = document.getElementById("ask");
    // A wide screen scrolls the questions' pane on its own: bring the result's top into view there
    // (after many answers it would open below the fold); a phone keeps its place and focus moves.
    var scrolled = state.need === null && answers.length > 0 && getComputedStyle(askPane).overflowY === "auto";
    // Only the pane scrolls (scrollIntoView would scroll the whole page too, hiding its header).
    if (scrolled) askPane.scrollTop += questionEl.getBoundingClientRect().top - askPane.getBoundingClientRect().top;
    if (focus) {
      // Focus goes to a number box or to the question itself, never to an answer button: a key
      // that is still down (Enter after a number) or repeats must not answer the next question.
      var first = questionEl.querySelector("input, textarea") || questionEl.querySelector(".q, .result [tabindex]");
      if (first) first.focus({ preventScroll: scrolled });
    }
  }
  // The description: read by describe.js, shown line by line with its words, each line removable;
  // what is kept becomes answers (phase "description") and is never asked.
  function describeCard() {
    var box = el("textarea", { id: "describe-text", rows: "3", "aria-labelledby": "describe-q",
      placeholder: "e.g. bicep twitching for 3 weeks, 2 coffees a day, no weakness" });
    var readEl = el("div", { class: "read", "aria-live": "polite" }), kept = null;
    function skip() { answers.push({ finding: DESCRIPTION, code: NaN, phase: "description", stop: false, text: "" }); renderAsk(true); }
    function accept() {
      answers.push({ finding: DESCRIPTION, code: NaN, phase: "description", stop: false, text: box.value.trim() });
      kept.forEach(function (e) {
        // A follow-up ("2 hours after my workout") implies its precondition; one the description
        // denies, or one answered the other way (on the emergency screen), leaves the follow-up out:
        // the answers never contradict each other (ask does the same).
        var req = FIND[e.finding].requires || {}, keep = true;
        Object.keys(req).forEach(function (p) {
          var said = kept.filter(function (k) { return k.finding === p; })[0], known = B.caseOf(answers)[p];
          if (said !== undefined) {
            if (said.value !== req[p]) keep = false;
          } else if (known === undefined || known === null) {  // not answered, or "don't know"
            answers.push({ finding: p, code: req[p] ? 1 : 0, phase: "description", stop: false, words: e.text });
          } else if (known !== req[p]) keep = false;
        });
        if (!keep) return;
        answers.push({ finding: e.finding, code: B.encodeCase(pair(e.finding, e.value))[FIND[e.finding].index],
          phase: "description", stop: false, words: e.text });
      });
      renderAsk(true);
    }
    function pair(k, x) { var o = {}; o[k] = x; return o; }
    function show() {
      readEl.replaceChildren();
      if (!kept.length) {
        readEl.append(el("p", { class: "hint", text: "I could not read any answer from that. Try other words, or skip to the questions." }));
        return;
      }
      readEl.append(el("p", { text: "I read:" }), el("ul", { class: "read-list" }, kept.map(function (e, i) {
        var f = FIND[e.finding];
        return el("li", null, [f.question + " ", el("span", { class: "said", text: B.answeredWords(f, B.encodeCase(pair(e.finding, e.value))[f.index]) }),
          el("span", { class: "from", text: " (from \u201C" + e.text + "\u201D) " }),
          el("button", { type: "button", class: "link", text: "remove", "aria-label": "Remove: " + f.question, onclick: function () { kept.splice(i, 1); show(); } })]);
      })), el("p", { class: "hint", text: "Is that right? Remove what is wrong, then use the rest; the questions ask only what is left." }),
      el("button", { type: "button", class: "primary", text: "Use these answers", onclick: accept }));
    }
    function read() {
      var text = box.value.trim();
      if (!text) { skip(); return; }
      var given = new Set(answers.map(function (a) { return a.finding; }));
      kept = READ.parseDescription(text).evidence.filter(function (e) { return FIND[e.finding] && !given.has(e.finding); });
      show();
    }
    box.addEventListener("keydown", function (e) {
      if (e.key !== "Enter" || e.shiftKey) return;
      e.preventDefault();  // Enter reads; it does not also press what gets focus next
      if (!e.repeat) read();
    });
    return el("div", { class: "card describe" }, [
      el("p", { class: "q", id: "describe-q", tabindex: "-1", text: "Describe it in your own words, or skip to the questions." }),
      box,
      el("div", { class: "choices" }, [
        el("button", { type: "button", class: "primary", text: "Read it", onclick: read }),
        el("button", { type: "button", text: "Skip", onclick: skip })
      ]),
      readEl
    ]);
  }
  function questionCard(state) {
    var f = findingOf(state.need), error = el("p", { class: "error", role: "alert" });
    var number = answers.filter(function (a) { return a.phase !== "description"; }).length + 1;
    var screen = state.phase === "safety", emergency = state.phase === "emergency";
    var answer = function (fid, code) { answerAt(fid, code, state.phase); };
    var controls = [];
    if (f.type === "yes/no") {
      controls.push(el("button", { type: "button", class: "primary", text: "Yes", onclick: function () { answer(f.id, 1); } }));
      controls.push(el("button", { type: "button", class: "primary", text: "No", onclick: function () { answer(f.id, 0); } }));
    } else if (f.type === "choice") {
      f.choices.forEach(function (c, i) {
        controls.push(el("button", { type: "button", class: "primary", text: capital(c), title: f.choice_text[c], onclick: function () { answer(f.id, i); } }));
      });
    } else {
      // Text, not type=number: it takes "2 hours" or "3 weeks", read by the description's rules.
      var input = el("input", { type: "text", inputmode: READ ? "text" : "decimal", autocomplete: "off", "aria-label": f.question + " (" + f.unit + ")" });
      var submit = function () {
        var text = input.value.trim(), got = READ ? READ.readAnswer(f, text) : { value: Number(text) };
        var x = got.value;
        if (text === "" || got.error !== undefined || typeof x !== "number" || !isFinite(x) || x < f.min || x > f.max) {
          error.textContent = got.error === "unit"
            ? "\u201C" + got.unit + "\u201D is not a unit of this question. " + f.entry_error +
              (got.time ? " A number with hours, days, weeks, months or years is read too." : "")
            : f.entry_error;
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
      screen ? el("p", { class: "screen-note", text: "Before the result: a few safety questions everyone is asked, because these call for a doctor or a medicine can cause twitching." }) : null,
      emergency ? el("p", { class: "screen-note", text: state.need === EM.id
        ? "First, one question on signs that need help at once or today."
        : "Which of them? One at a time; an emergency ends the questions at once." }) : null,
      el("div", { class: "n", text: "Question " + number }),
      // The screen's signs as a list: read at a glance by someone who may be unwell.
      el("p", { class: "q", id: "q-text", tabindex: "-1", text: f.id === EM.id ? EM.asks : f.question }),
      f.id === EM.id ? el("ul", { class: "signs" }, EM.signs.map(function (t) { return el("li", { text: t }); })) : null,
      el("div", { class: "choices", role: "group", "aria-labelledby": "q-text" }, controls),
      error,
      screen || emergency ? null : el("div", { class: "stop" }, [el("button", { type: "button", class: "link", text: "Stop here: count the rest as unknown", onclick: function () {
        answerAt(f.id, NaN, state.phase, true);
      } })])
    ]);
  }
  // What to do, why, what was not counted and the safety net: as predict/result.py triage_lines says it.
  function triageBox(r) {
    var reasons = r.triage_reasons.map(function (t) {
      return el("li", { text: t.text + " (" + t.level.replace("_", " ") + ", " + t.how_soon + "; " + t.source.name + ")" });
    });
    var waived = r.not_counted.map(function (id) {
      var rule = D.triage.rules.filter(function (x) { return x.id === id; })[0];
      var e = D.triage.exceptions.filter(function (x) { return x.id === rule.unless; })[0];
      return el("p", { class: "not-counted", text: "Not counted on its own: " + rule.text + " (" + e.text + ")." });
    });
    var attrs = { class: "triage " + r.triage };
    if (r.triage === "emergency") attrs.role = "alert";
    return el("div", attrs,
      [el("p", { class: "action", tabindex: "-1", text: "What to do: " + r.action + (reasons.length ? ", because:" : ".") }),
        reasons.length ? el("ul", null, reasons) : null].concat(waived,
        [el("p", { class: "net", text: "Safety net: " + r.safety_net })]));
  }
  function resultCard(state) {
    var r = predict(B.caseOf(answers));
    var asked = answers.filter(function (a) { return a.phase !== "description"; }).length;
    var described = answers.filter(function (a) { return a.phase === "description" && a.finding !== DESCRIPTION; }).length;
    var known = answers.filter(function (a) { return a.phase !== "description" && a.code === a.code; }).length;  // NaN: "don't know"
    var urgent = r.triage === "urgent" || r.triage === "emergency";
    var reminder = state.emergency ? "" : B.safetyReminder(B.safetyUnknown(answers));
    var heading = el("h3", { tabindex: "-1", text: "Most likely: " + r.label + " (" + percent(r.probability) + ")" });
    // Urgent help comes first: nobody in an emergency should read a ranking of causes before the call to action.
    return el("div", { class: "result" }, [
      state.emergency ? el("p", { class: "screen-note", text: "No more questions: your answers call for emergency help now." }) : null,
      urgent ? triageBox(r) : null,
      heading,
      el("p", { class: "hint", text: asked + " question" + (asked === 1 ? "" : "s") + " asked: " + known + " answered, " +
        (asked - known) + " unknown" + (described ? "; " + described + " read from your description" : "") +
        " (a full form asks " + D.findings.length + ")." }),
      reminder ? el("p", { class: "reminder", text: reminder }) : null,
      urgent ? null : triageBox(r),
      el("h4", { text: "Every cause, most likely first" }),
      bars(r.differential),
      el("h4", { text: "Advice" + (urgent ? " for the likely cause, once you have had that help" : "") }),
      el("p", { text: r.advice })
    ].concat(whyCause(r), treePath(r), [
      el("p", { class: "disclaimer", text: D.disclaimer }),
      el("button", { type: "button", class: "restart", text: "Start again", onclick: function () { backTo(0); } })
    ]));
  }
  // As the text result (predict/result.py) has them: a few reasons, the path, a few open questions.
  var TEXT_FOR = D.limits.text_for, TEXT_AGAINST = D.limits.text_against, TEXT_OPEN = D.limits.text_open;
  var TEXT_MIN_FACTOR = D.limits.text_min_factor;
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

  window.bicepTwitch = Object.freeze({ predict: predict, walk: walk, step: B.step, data: D });
})();
