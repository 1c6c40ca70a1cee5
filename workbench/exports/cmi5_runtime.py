"""The cmi5 run-time script of the assignable unit: launch parameters in, xAPI statements out.

Launched the cmi5 way, the unit reads `endpoint`, `fetch`, `actor`, `registration` and `activityId`
from its query string, obtains its authorization token from the fetch URL (once), reads the LMS's
`LMS.LaunchData` state document when the LRS offers one (its context template, launch mode and
mastery score win over the package's own), and sends `initialized`, one `answered` per question,
`passed`/`failed` (or `completed`) and `terminated`. Without launch parameters it stays silent and the
page works offline. No inline handlers and no eval, so it runs under the package's CSP.
"""

CMI5_RUNTIME_JS = r"""/* cmi5 runtime: reports xAPI statements to the LMS's learning record store; silent without a cmi5 launch. */
(function (global) {
  "use strict";

  var XAPI_VERSION = "1.0.3";
  var CATEGORY_CMI5 = "https://w3id.org/xapi/cmi5/context/categories/cmi5";
  var CATEGORY_MOVEON = "https://w3id.org/xapi/cmi5/context/categories/moveon";
  var EXTENSION_SESSION = "https://w3id.org/xapi/cmi5/context/extensions/sessionid";
  var EXTENSION_MASTERY = "https://w3id.org/xapi/cmi5/context/extensions/masteryscore";
  var INTERACTION_TYPE = "http://adlnet.gov/expapi/activities/cmi.interaction";
  var OBJECTIVE_TYPE = "http://adlnet.gov/expapi/activities/objective";
  var VERB_BASE = "http://adlnet.gov/expapi/verbs/";

  function uuid() {
    if (global.crypto && typeof global.crypto.randomUUID === "function") { return global.crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    global.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function duration(milliseconds) {
    // ISO 8601 duration with the 0.01 s precision xAPI keeps.
    return "PT" + (Math.max(0, milliseconds) / 1000).toFixed(2) + "S";
  }

  function copy(value) { return JSON.parse(JSON.stringify(value)); }

  function launchParameters() {
    var query = new URLSearchParams(global.location.search);
    var names = ["endpoint", "fetch", "actor", "registration", "activityId"];
    var launch = {};
    for (var i = 0; i < names.length; i += 1) {
      var value = query.get(names[i]);
      if (!value) { return null; }
      launch[names[i]] = value;
    }
    try { launch.actor = JSON.parse(launch.actor); } catch (error) { return null; }
    launch.endpoint = launch.endpoint.replace(/\/?$/, "/");
    return launch;
  }

  var launch = null;
  var activity = {};
  var token = "";
  var template = {};
  var launchMode = "Normal";
  var masteryScore = null;
  var sessionId = "";
  var startedAt = new Date().getTime();
  var connected = false;
  var terminated = false;
  var pending = [];
  var failures = 0;

  function headers() {
    return {
      "Authorization": "Basic " + token,
      "X-Experience-API-Version": XAPI_VERSION,
      "Content-Type": "application/json"
    };
  }

  function send(statements, keepalive) {
    return global.fetch(launch.endpoint + "statements", {
      method: "POST", headers: headers(), body: JSON.stringify(statements), keepalive: Boolean(keepalive)
    }).then(function (response) {
      if (!response.ok) { failures += 1; }
      return response.ok;
    }, function () { failures += 1; return false; });
  }

  function context(options) {
    var result = copy(template || {});
    result.registration = launch.registration;
    var activities = result.contextActivities || {};
    var grouping = activities.grouping || [];
    // The package's own ids go into grouping, so that its statements can be found whatever
    // activity id the LMS launched the unit with.
    [activity.course, activity.unit].forEach(function (id) {
      if (id && id !== launch.activityId && !grouping.some(function (item) { return item.id === id; })) {
        grouping.push({ id: id, objectType: "Activity" });
      }
    });
    if (grouping.length) { activities.grouping = grouping; }
    if (options.parent) { activities.parent = [{ id: launch.activityId, objectType: "Activity" }]; }
    if (options.objective) {
      activities.other = (activities.other || []).concat([{ id: options.objective, objectType: "Activity", definition: { type: OBJECTIVE_TYPE } }]);
    }
    var category = activities.category || [];
    if (options.cmi5) { category = category.concat([{ id: CATEGORY_CMI5, objectType: "Activity" }]); }
    if (options.moveOn) { category = category.concat([{ id: CATEGORY_MOVEON, objectType: "Activity" }]); }
    if (category.length) { activities.category = category; } else { delete activities.category; }
    result.contextActivities = activities;
    result.extensions = result.extensions || {};
    result.extensions[EXTENSION_SESSION] = sessionId;
    if (options.mastery && masteryScore !== null) { result.extensions[EXTENSION_MASTERY] = masteryScore; }
    return result;
  }

  function statement(verb, object, result, contextOptions) {
    var built = {
      id: uuid(),
      actor: launch.actor,
      verb: { id: VERB_BASE + verb, display: { "en-US": verb } },
      object: object,
      context: context(contextOptions),
      timestamp: new Date().toISOString()
    };
    if (result) { built.result = result; }
    return built;
  }

  function unitObject() { return { id: launch.activityId, objectType: "Activity" }; }

  function responseText(tracking, answer) {
    if (tracking.type === "fill-in") { return String(answer.text || "").trim().slice(0, tracking.text_limit); }
    return answer.indices.map(function (index) { return tracking.codes[index]; }).join(tracking.delimiter);
  }

  function score(fraction) {
    var scaled = Math.round(fraction * 10000) / 10000;
    return { scaled: scaled, raw: Math.round(fraction * 100), min: 0, max: 100 };
  }

  function fetchToken() {
    return global.fetch(launch.fetch, { method: "POST" }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (body) {
      if (!body || !body["auth-token"]) { throw new Error("no authorization token"); }
      token = body["auth-token"];
    });
  }

  function fetchLaunchData() {
    var query = "stateId=LMS.LaunchData&activityId=" + encodeURIComponent(launch.activityId) +
      "&agent=" + encodeURIComponent(JSON.stringify(launch.actor)) +
      "&registration=" + encodeURIComponent(launch.registration);
    return global.fetch(launch.endpoint + "activities/state?" + query, { headers: headers() }).then(function (response) {
      // An LRS without a state API: the package's own mastery score and a new session id stand in.
      return response.ok ? response.json() : null;
    }, function () { return null; });
  }

  var Runtime = {
    /** Read the launch, get the token and launch data, send `initialized`; resolves to {connected, passingScore}. */
    start: function (quiz) {
      launch = launchParameters();
      activity = quiz.activity || {};
      masteryScore = activity.mastery_score === undefined ? null : activity.mastery_score;
      if (!launch) { return Promise.resolve({ connected: false, passingScore: null }); }
      var lmsMastery = null;
      return fetchToken().then(fetchLaunchData).then(function (launchData) {
        if (launchData) {
          template = launchData.contextTemplate || {};
          launchMode = launchData.launchMode || "Normal";
          if (typeof launchData.masteryScore === "number") { masteryScore = lmsMastery = launchData.masteryScore; }
        }
        var templateSession = template.extensions && template.extensions[EXTENSION_SESSION];
        sessionId = templateSession || uuid();
        return send([statement("initialized", unitObject(), null, { cmi5: true })]);
      }).then(function (ok) {
        connected = ok;
        return { connected: ok, passingScore: lmsMastery === null ? null : Math.round(lmsMastery * 10000) / 100 };
      }, function () {
        return { connected: false, passingScore: null };
      });
    },

    /** True while the session is open. */
    connected: function () { return connected && !terminated; },

    /** Queue an `answered` statement for one question (sent with the result). */
    record: function (tracking, answer, fraction) {
      if (!Runtime.connected() || !tracking || launchMode !== "Normal") { return false; }
      var definition = { type: INTERACTION_TYPE, interactionType: tracking.type, name: {} };
      definition.name[activity.language || "en"] = tracking.id.split("/").pop();
      if (tracking.patterns.length) { definition.correctResponsesPattern = tracking.patterns; }
      if (tracking.choices && tracking.choices.length) { definition.choices = tracking.choices; }
      var result = { score: score(fraction), success: fraction >= 1 };
      var response = responseText(tracking, answer);
      if (response !== "") { result.response = response; }
      pending.push(statement("answered", { id: tracking.id, objectType: "Activity", definition: definition }, result,
        { parent: true, objective: tracking.objective }));
      return true;
    },

    /** Queue `passed` or `failed` for the quiz result (not in Browse or Review mode). */
    report: function (percent, passed) {
      if (!Runtime.connected() || launchMode !== "Normal") { return false; }
      var result = { score: score(percent / 100), success: Boolean(passed), duration: duration(new Date().getTime() - startedAt) };
      pending.push(statement(passed ? "passed" : "failed", unitObject(), result, { cmi5: true, moveOn: true, mastery: true }));
      return true;
    },

    /** Send `completed` at once (a module without questions; `terminated` follows when the learner leaves). */
    complete: function () {
      if (!Runtime.connected() || launchMode !== "Normal") { return false; }
      send([statement("completed", unitObject(), { completion: true, duration: duration(new Date().getTime() - startedAt) },
        { cmi5: true, moveOn: true })]);
      return true;
    },

    /** Send what is queued, then `terminated`; resolves to true when the LRS accepted everything. */
    finish: function (leaving) {
      if (!Runtime.connected()) { return Promise.resolve(false); }
      terminated = true;
      var queued = pending;
      pending = [];
      var terminate = statement("terminated", unitObject(), { duration: duration(new Date().getTime() - startedAt) }, { cmi5: true });
      if (leaving) { return send(queued.concat([terminate]), true); }
      var first = queued.length ? send(queued) : Promise.resolve(true);
      return first.then(function () { return send([terminate]); }).then(function () { return failures === 0; });
    }
  };

  global.addEventListener("pagehide", function () { Runtime.finish(true); });
  global.CourseRuntime = Runtime;
})(window);
"""
