"""Static files of the SCORM 1.2 package: the LMS runtime, the quiz player and the stylesheet.

Kept as Python strings so that they ship inside the wheel without package-data configuration.
The scripts use no inline handlers and no eval, so the package runs under a strict
Content-Security-Policy (`script-src 'self'`).
"""

SCORM_RUNTIME_JS = r"""/* SCORM 1.2 runtime: finds the LMS API and reports status and score; silent without an LMS. */
(function (global) {
  "use strict";

  var MAX_PARENTS = 500;

  function searchUp(win) {
    // The LMS exposes `API` on the window that opens or frames the course, possibly several levels up.
    var depth = 0;
    while (win && depth <= MAX_PARENTS) {
      try {
        if (win.API && typeof win.API.LMSInitialize !== "undefined") {
          return win.API;
        }
      } catch (error) {
        return null; // a cross-origin frame: no API reachable this way
      }
      var parent;
      try { parent = win.parent; } catch (error) { return null; }
      if (!parent || parent === win) { break; }
      win = parent;
      depth += 1;
    }
    return null;
  }

  function findApi() {
    var api = searchUp(global);
    if (!api) {
      try { if (global.opener) { api = searchUp(global.opener); } } catch (error) { api = null; }
    }
    if (!api) {
      try { if (global.top && global.top.opener) { api = searchUp(global.top.opener); } } catch (error) { api = null; }
    }
    return api;
  }

  function pad(number, width) {
    var text = String(number);
    while (text.length < width) { text = "0" + text; }
    return text;
  }

  function sessionTime(milliseconds) {
    var seconds = Math.max(0, Math.round(milliseconds / 1000));
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    return pad(hours, 4) + ":" + pad(minutes, 2) + ":" + pad(seconds % 60, 2);
  }

  var api = null;
  var initialized = false;
  var finished = false;
  var startedAt = new Date().getTime();

  function call(name, args) {
    if (!api || typeof api[name] !== "function") { return ""; }
    try { return api[name].apply(api, args); } catch (error) { return ""; }
  }

  function setValue(element, value) {
    return String(call("LMSSetValue", [element, String(value)])) === "true";
  }

  function getValue(element) {
    return String(call("LMSGetValue", [element]));
  }

  var Runtime = {
    /** Connect to the LMS; returns true when an LMS API answered. */
    start: function () {
      if (initialized) { return true; }
      api = findApi();
      if (!api) { return false; }
      initialized = String(call("LMSInitialize", [""])) === "true";
      if (initialized) {
        var status = getValue("cmi.core.lesson_status");
        if (status === "" || status === "not attempted") {
          setValue("cmi.core.lesson_status", "incomplete");
        }
      }
      return initialized;
    },

    /** True while connected to an LMS. */
    connected: function () {
      return initialized && !finished;
    },

    /** Report a quiz result: raw score 0-100 and passed/failed against the mastery score. */
    reportScore: function (percent, passed) {
      if (!Runtime.connected()) { return false; }
      setValue("cmi.core.score.min", "0");
      setValue("cmi.core.score.max", "100");
      setValue("cmi.core.score.raw", String(Math.round(percent)));
      setValue("cmi.core.lesson_status", passed ? "passed" : "failed");
      return String(call("LMSCommit", [""])) === "true";
    },

    /** Mark the course completed (used when it has no quiz). */
    complete: function () {
      if (!Runtime.connected()) { return false; }
      setValue("cmi.core.lesson_status", "completed");
      return String(call("LMSCommit", [""])) === "true";
    },

    /** Close the session: time spent, commit, finish. Safe to call more than once. */
    finish: function () {
      if (!Runtime.connected()) { return false; }
      setValue("cmi.core.session_time", sessionTime(new Date().getTime() - startedAt));
      setValue("cmi.core.exit", "");
      call("LMSCommit", [""]);
      var ok = String(call("LMSFinish", [""])) === "true";
      finished = true;
      return ok;
    }
  };

  global.addEventListener("pagehide", function () { Runtime.finish(); });
  global.addEventListener("beforeunload", function () { Runtime.finish(); });
  global.ScormRuntime = Runtime;
})(window);
"""

QUIZ_PLAYER_JS = r"""/* Quiz player: renders the quiz from the package's JSON, scores it, shows feedback, reports to the LMS. */
(function () {
  "use strict";

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  function safeHtml(node, html) {
    // The HTML was produced by the workbench's safe renderer when the package was built.
    node.innerHTML = html;
    return node;
  }

  function normalise(text) {
    return String(text || "").trim().replace(/\s+/g, " ").toLowerCase();
  }

  function shortAnswerMatches(pattern, answer) {
    // Moodle's rule: '*' matches anything; comparison ignores case.
    var parts = normalise(pattern).split("*").map(function (part) {
      return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    });
    return new RegExp("^" + parts.join(".*") + "$").test(normalise(answer));
  }

  function itemScore(item, form) {
    var chosen = [];
    var percent = 0;
    if (item.type === "short_answer") {
      var input = form.querySelector("input[name='" + item.key + "']");
      var answer = input ? input.value : "";
      var best = null;
      item.options.forEach(function (option) {
        if (answer && shortAnswerMatches(option.text, answer) && (best === null || option.weight > best.weight)) { best = option; }
      });
      if (best) { chosen.push(best); percent = best.weight; }
    } else {
      item.options.forEach(function (option, index) {
        var box = form.querySelector("input[name='" + item.key + "'][value='" + index + "']");
        if (box && box.checked) { chosen.push(option); percent += option.weight; }
      });
    }
    return { fraction: Math.max(0, Math.min(100, percent)) / 100, chosen: chosen };
  }

  function renderQuiz(data, form) {
    data.items.forEach(function (item, number) {
      var fieldset = element("fieldset", "question");
      fieldset.id = "question-" + (number + 1);
      var legend = element("legend");
      legend.appendChild(element("span", "question-number", "Question " + (number + 1) + ". "));
      fieldset.appendChild(legend);
      fieldset.appendChild(safeHtml(element("div", "stem"), item.stem_html));
      if (item.type === "short_answer") {
        var label = element("label", "answer");
        label.appendChild(element("span", "visually-hidden", "Your answer"));
        var input = element("input");
        input.type = "text";
        input.name = item.key;
        input.autocomplete = "off";
        label.appendChild(input);
        fieldset.appendChild(label);
      } else {
        item.options.forEach(function (option, index) {
          var label = element("label", "option");
          var box = element("input");
          box.type = item.type === "multiple_response" ? "checkbox" : "radio";
          box.name = item.key;
          box.value = String(index);
          label.appendChild(box);
          label.appendChild(safeHtml(element("span", "option-text"), option.html));
          fieldset.appendChild(label);
        });
      }
      fieldset.appendChild(element("div", "feedback"));
      form.appendChild(fieldset);
    });
  }

  function showFeedback(item, result, fieldset) {
    var box = fieldset.querySelector(".feedback");
    box.textContent = "";
    var verdict = result.fraction >= 1 ? "Correct" : (result.fraction > 0 ? "Partly correct" : "Not correct");
    box.appendChild(element("p", "verdict", verdict + " (" + Math.round(result.fraction * 100) + "%)"));
    result.chosen.forEach(function (option) {
      if (option.feedback_html) { box.appendChild(safeHtml(element("div", "option-feedback"), option.feedback_html)); }
    });
    if (item.general_feedback_html) { box.appendChild(safeHtml(element("div", "general-feedback"), item.general_feedback_html)); }
  }

  function start() {
    var dataNode = document.getElementById("quiz-data");
    var status = document.getElementById("lms-status");
    var connected = window.ScormRuntime ? window.ScormRuntime.start() : false;
    status.textContent = connected
      ? "Connected to your learning platform: your result will be recorded."
      : "Not connected to a learning platform: your result is shown here but not recorded.";
    document.body.setAttribute("data-lms", connected ? "connected" : "offline");
    var data = JSON.parse(dataNode.textContent);
    var form = document.getElementById("quiz");
    var submit = document.getElementById("submit-quiz");
    var resultBox = document.getElementById("quiz-result");
    if (!data.items.length) {
      if (connected) { window.ScormRuntime.complete(); }
      document.getElementById("page-quiz").hidden = true;
      return;
    }
    renderQuiz(data, form);
    submit.addEventListener("click", function (event) {
      event.preventDefault();
      var total = 0;
      data.items.forEach(function (item, number) {
        var result = itemScore(item, form);
        total += result.fraction;
        showFeedback(item, result, document.getElementById("question-" + (number + 1)));
      });
      var percent = Math.round((total / data.items.length) * 100);
      var passed = percent >= data.passing_score;
      resultBox.textContent = "Your score: " + percent + "% (" + (passed ? "passed" : "not passed") +
        ", " + data.passing_score + "% needed).";
      resultBox.setAttribute("data-score", String(percent));
      resultBox.setAttribute("data-passed", passed ? "true" : "false");
      if (connected) {
        window.ScormRuntime.reportScore(percent, passed);
        window.ScormRuntime.finish();
        resultBox.appendChild(element("span", "recorded", " Result recorded."));
      }
      submit.disabled = true;
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
"""

STYLE_CSS = """body { font-family: system-ui, sans-serif; line-height: 1.5; margin: 0 auto; max-width: 52rem; padding: 1rem 1.5rem 3rem; color: #1d1d1f; }
header { border-bottom: 1px solid #ccc; margin-bottom: 1rem; }
nav ol { padding-left: 1.2rem; }
section.page { border-bottom: 1px solid #eee; padding: 0.5rem 0 1.5rem; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; }
code, pre { background: #f4f4f4; }
pre { padding: 0.5rem; overflow-x: auto; }
fieldset.question { border: 1px solid #ccc; border-radius: 6px; margin: 1rem 0; padding: 0.75rem 1rem; }
label.option { display: flex; gap: 0.5rem; align-items: baseline; margin: 0.25rem 0; }
label.option p, .stem p:last-child { margin: 0; }
.feedback { margin-top: 0.5rem; color: #0b4f6c; }
#quiz-result { font-weight: bold; margin-top: 1rem; }
#lms-status { color: #555; font-size: 0.9rem; }
.blocked-image { font-style: italic; }
.visually-hidden { position: absolute; left: -10000px; }
button { font-size: 1rem; padding: 0.4rem 1rem; }
"""
