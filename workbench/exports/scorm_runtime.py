"""The SCORM run-time script of the SCORM 1.2 and SCORM 2004 packages (one script, two data models).

It finds the LMS's API object (`API` for 1.2, `API_1484_11` for 2004) in the parent frames or the
opener, calls it only between Initialize and Finish/Terminate, and reports status, score and one
interaction per question in the element names and value formats of the package's version. The
identifiers, codes and patterns of the interactions come from the quiz data (tracking.py).
Kept as a Python string so that it ships inside the wheel; no inline handlers and no eval, so it
runs under the package's Content-Security-Policy.
"""

SCORM_RUNTIME_JS = r"""/* SCORM 1.2 / 2004 runtime: finds the LMS API, reports status, score and interactions; silent without an LMS. */
(function (global) {
  "use strict";

  var MAX_PARENTS = 500;
  var VERSIONS = {
    scorm12: {
      apiName: "API", initialize: "LMSInitialize", terminate: "LMSFinish", getValue: "LMSGetValue",
      setValue: "LMSSetValue", commit: "LMSCommit"
    },
    scorm2004: {
      apiName: "API_1484_11", initialize: "Initialize", terminate: "Terminate", getValue: "GetValue",
      setValue: "SetValue", commit: "Commit"
    }
  };

  function searchUp(win, name) {
    // The LMS exposes its API on the window that opens or frames the course, possibly several levels up.
    var depth = 0;
    while (win && depth <= MAX_PARENTS) {
      try {
        if (win[name] && typeof win[name] === "object") { return win[name]; }
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

  function findApi(name) {
    var api = searchUp(global, name);
    if (!api) {
      try { if (global.opener) { api = searchUp(global.opener, name); } } catch (error) { api = null; }
    }
    if (!api) {
      try { if (global.top && global.top.opener) { api = searchUp(global.top.opener, name); } } catch (error) { api = null; }
    }
    return api;
  }

  function pad(number, width) {
    var text = String(number);
    while (text.length < width) { text = "0" + text; }
    return text;
  }

  function clockTime(date) {
    // SCORM 1.2 CMITime: HH:MM:SS of the learner's clock.
    return pad(date.getHours(), 2) + ":" + pad(date.getMinutes(), 2) + ":" + pad(date.getSeconds(), 2);
  }

  function timestamp(date) {
    // SCORM 2004 time: a zone designator may only follow fractional seconds, kept to 0.01 s.
    return date.toISOString().replace(/(\.\d{2})\d*Z$/, "$1Z");
  }

  function sessionTime(milliseconds, version) {
    var seconds = Math.max(0, Math.round(milliseconds / 1000));
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    if (version === "scorm2004") {
      return "PT" + hours + "H" + minutes + "M" + (seconds % 60) + "S";
    }
    return pad(hours, 4) + ":" + pad(minutes, 2) + ":" + pad(seconds % 60, 2);
  }

  function responseText(tracking, answer) {
    if (tracking.type === "fill-in") {
      var text = String(answer.text || "").trim().slice(0, tracking.text_limit);
      if (tracking.delimiter === "[,]") {
        text = text.split("[,]").join(",");
        if (text.charAt(0) === "{") { text = "{lang=" + (document.documentElement.lang || "en") + "}" + text; }
      }
      return text;
    }
    return answer.indices.map(function (index) { return tracking.codes[index]; }).join(tracking.delimiter);
  }

  function resultText(fraction, version) {
    if (fraction >= 1) { return "correct"; }
    if (fraction <= 0) { return version === "scorm2004" ? "incorrect" : "wrong"; }
    return String(Math.round(fraction * 10000) / 10000);
  }

  var version = null;
  var names = null;
  var api = null;
  var initialized = false;
  var finished = false;
  var startedAt = new Date().getTime();
  var nextInteraction = 0;

  function call(name, args) {
    if (!api || typeof api[name] !== "function") { return ""; }
    try { return api[name].apply(api, args); } catch (error) { return ""; }
  }

  function live() { return initialized && !finished; }

  function setValue(element, value) {
    if (!live()) { return false; }
    return String(call(names.setValue, [element, String(value)])) === "true";
  }

  function getValue(element) {
    if (!live()) { return ""; }
    return String(call(names.getValue, [element]));
  }

  function commit() {
    if (!live()) { return false; }
    return String(call(names.commit, [""])) === "true";
  }

  var Runtime = {
    /** Connect to the LMS for the package's version; resolves to {connected, passingScore}. */
    start: function (quiz) {
      if (!initialized) {
        version = VERSIONS[quiz.standard] ? quiz.standard : "scorm12";
        names = VERSIONS[version];
        api = findApi(names.apiName);
        if (api) { initialized = String(call(names.initialize, [""])) === "true"; }
      }
      var passingScore = null;
      if (live()) {
        var statusElement = version === "scorm2004" ? "cmi.completion_status" : "cmi.core.lesson_status";
        var status = getValue(statusElement);
        if (status === "" || status === "not attempted" || status === "unknown") { setValue(statusElement, "incomplete"); }
        var count = parseInt(getValue("cmi.interactions._count"), 10);
        nextInteraction = isNaN(count) ? 0 : count;
        if (version === "scorm2004" && quiz.items.length) {
          // The LMS sets it from the manifest's minimum measure (only written for a quiz) and wins.
          var scaled = parseFloat(getValue("cmi.scaled_passing_score"));
          if (!isNaN(scaled)) { passingScore = Math.round(scaled * 10000) / 100; }
        }
      }
      return Promise.resolve({ connected: live(), passingScore: passingScore, standard: version });
    },

    /** True while connected to an LMS. */
    connected: function () { return live(); },

    /** Record one answered question as an interaction. */
    record: function (tracking, answer, fraction) {
      if (!live() || !tracking) { return false; }
      var prefix = "cmi.interactions." + nextInteraction + ".";
      nextInteraction += 1;
      var now = new Date();
      var ok = setValue(prefix + "id", tracking.id);
      if (version === "scorm2004") {
        ok = setValue(prefix + "type", tracking.type) && ok;
        if (tracking.objective) { ok = setValue(prefix + "objectives.0.id", tracking.objective) && ok; }
        ok = setValue(prefix + "timestamp", timestamp(now)) && ok;
      } else {
        if (tracking.objective) { ok = setValue(prefix + "objectives.0.id", tracking.objective) && ok; }
        ok = setValue(prefix + "time", clockTime(now)) && ok;
        ok = setValue(prefix + "type", tracking.type) && ok;
      }
      tracking.patterns.forEach(function (pattern, index) {
        ok = setValue(prefix + "correct_responses." + index + ".pattern", pattern) && ok;
      });
      ok = setValue(prefix + "weighting", "1") && ok;
      var response = responseText(tracking, answer);
      if (response !== "") {
        ok = setValue(prefix + (version === "scorm2004" ? "learner_response" : "student_response"), response) && ok;
      }
      ok = setValue(prefix + "result", resultText(fraction, version)) && ok;
      return ok;
    },

    /** Report the quiz result: score 0-100 (and scaled in 2004), passed/failed, completed. */
    report: function (percent, passed) {
      if (!live()) { return false; }
      if (version === "scorm2004") {
        setValue("cmi.score.scaled", String(Math.round(percent) / 100));
        setValue("cmi.score.min", "0");
        setValue("cmi.score.max", "100");
        setValue("cmi.score.raw", String(Math.round(percent)));
        setValue("cmi.completion_status", "completed");
        setValue("cmi.success_status", passed ? "passed" : "failed");
      } else {
        setValue("cmi.core.score.min", "0");
        setValue("cmi.core.score.max", "100");
        setValue("cmi.core.score.raw", String(Math.round(percent)));
        setValue("cmi.core.lesson_status", passed ? "passed" : "failed");
      }
      return commit();
    },

    /** Mark the course completed (used when it has no quiz). */
    complete: function () {
      if (!live()) { return false; }
      setValue(version === "scorm2004" ? "cmi.completion_status" : "cmi.core.lesson_status", "completed");
      return commit();
    },

    /** Close the session: time spent, exit, commit, finish. Safe to call more than once. */
    finish: function () {
      if (!live()) { return Promise.resolve(false); }
      if (version === "scorm2004") {
        setValue("cmi.session_time", sessionTime(new Date().getTime() - startedAt, version));
        setValue("cmi.exit", "normal");
      } else {
        setValue("cmi.core.session_time", sessionTime(new Date().getTime() - startedAt, version));
        setValue("cmi.core.exit", "");
      }
      commit();
      var ok = String(call(names.terminate, [""])) === "true";
      finished = true;
      return Promise.resolve(ok);
    }
  };

  global.addEventListener("pagehide", function () { Runtime.finish(); });
  global.addEventListener("beforeunload", function () { Runtime.finish(); });
  global.CourseRuntime = Runtime;
})(window);
"""
