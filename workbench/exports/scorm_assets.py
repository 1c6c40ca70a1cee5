"""Static files of every course package (SCORM 1.2, SCORM 2004, cmi5): the quiz player and the stylesheet.

The player talks to `window.CourseRuntime`, which the package's runtime script provides
(scorm_runtime.py for SCORM, cmi5_runtime.py for cmi5). Kept as Python strings so that they ship
inside the wheel without package-data configuration. The scripts use no inline handlers and no eval,
so the package runs under a strict Content-Security-Policy (`script-src 'self'`).
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
    var indices = [];
    var text = "";
    var percent = 0;
    if (item.type === "short_answer") {
      var input = form.querySelector("input[name='" + item.key + "']");
      var answer = input ? input.value : "";
      text = answer;
      var best = null;
      item.options.forEach(function (option) {
        if (answer && shortAnswerMatches(option.text, answer) && (best === null || option.weight > best.weight)) { best = option; }
      });
      if (best) { chosen.push(best); percent = best.weight; }
    } else {
      item.options.forEach(function (option, index) {
        var box = form.querySelector("input[name='" + item.key + "'][value='" + index + "']");
        if (box && box.checked) { chosen.push(option); indices.push(index); percent += option.weight; }
      });
    }
    return { fraction: Math.max(0, Math.min(100, percent)) / 100, chosen: chosen, answer: { indices: indices, text: text } };
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
    var data = JSON.parse(document.getElementById("quiz-data").textContent);
    var runtime = window.CourseRuntime;
    var starting = runtime ? runtime.start(data) : Promise.resolve({ connected: false, passingScore: null });
    starting.then(function (session) { run(data, runtime, session); }, function () { run(data, runtime, { connected: false }); });
  }

  function run(data, runtime, session) {
    var status = document.getElementById("lms-status");
    var connected = Boolean(session.connected);
    status.textContent = connected
      ? "Connected to your learning platform: your result will be recorded."
      : "Not connected to a learning platform: your result is shown here but not recorded.";
    if (session.passingScore !== null && session.passingScore !== undefined) {
      // The platform's pass mark (from the package's manifest or its own settings) is the one that counts.
      data.passing_score = session.passingScore;
      document.getElementById("pass-mark").textContent = String(session.passingScore);
    }
    var form = document.getElementById("quiz");
    var submit = document.getElementById("submit-quiz");
    var resultBox = document.getElementById("quiz-result");
    if (!data.items.length) {
      document.getElementById("page-quiz").hidden = true;
      // Completed on arrival; the session is closed when the learner leaves the page.
      if (connected) { runtime.complete(); }
      document.body.setAttribute("data-lms", connected ? "connected" : "offline");
      return;
    }
    renderQuiz(data, form);
    document.body.setAttribute("data-lms", connected ? "connected" : "offline");
    submit.addEventListener("click", function (event) {
      event.preventDefault();
      submit.disabled = true;
      var total = 0;
      data.items.forEach(function (item, number) {
        var result = itemScore(item, form);
        total += result.fraction;
        showFeedback(item, result, document.getElementById("question-" + (number + 1)));
        if (connected) { runtime.record(item.tracking, result.answer, result.fraction); }
      });
      var percent = Math.round((total / data.items.length) * 100);
      var passed = percent >= data.passing_score;
      resultBox.textContent = "Your score: " + percent + "% (" + (passed ? "passed" : "not passed") +
        ", " + data.passing_score + "% needed).";
      resultBox.setAttribute("data-score", String(percent));
      resultBox.setAttribute("data-passed", passed ? "true" : "false");
      if (connected) {
        runtime.report(percent, passed);
        runtime.finish().then(function (ok) {
          resultBox.appendChild(element("span", ok ? "recorded" : "not-recorded",
            ok ? " Result recorded." : " Your platform did not confirm the result."));
        });
      }
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
