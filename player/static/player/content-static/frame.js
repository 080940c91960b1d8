/*
 * The content frame (player/PROTOCOL.md, "The content frame"): on the content origin,
 * scorm-again's CrossFrameAPI stands in for the SCORM API (SCORM 1.2 RTE 3.3 "API";
 * SCORM 2004 RTE 3.1.2 "API_1484_11") and relays every call to the player page on the
 * portal origin, to that origin only. The SCO's launch URL comes in the fragment.
 */
(function () {
  "use strict";

  var params = new URLSearchParams(window.location.hash.slice(1));
  var sco = document.getElementById("sco");

  function refuse(message) {
    var error = document.getElementById("frame-error");
    error.textContent = message;
    error.hidden = false;
    sco.hidden = true;
  }

  function sameOriginUrl(raw) {
    try {
      var url = new URL(raw || "", window.location.href);
      return url.origin === window.location.origin && url.pathname.indexOf("/content/") === 0 ? url : null;
    } catch (e) {
      return null;
    }
  }

  function portalOrigin(raw) {
    try {
      var url = new URL(raw || "");
      return url.origin === raw && url.origin !== window.location.origin ? url.origin : null;
    } catch (e) {
      return null;
    }
  }

  var launch = sameOriginUrl(params.get("launch"));
  var parent = portalOrigin(params.get("parent"));
  if (!launch || !parent || window.parent === window) {
    refuse("This page only opens course content inside the course player.");
    return;
  }

  var api = new window.CrossFrameAPI(parent, window.parent, { timeout: 15000 });
  var cache = api._cache;

  // CrossFrameAPI answers GetValue from a cache it refreshes after each call, so a count
  // read right after a SetValue would be stale: keep the "_count" of every collection
  // the SCO writes to (SCORM 2004 RTE 4.1.1 "_count"; 1.2 RTE 3.4.2) up to date here.
  function countUp(key) {
    var parts = String(key).split(".");
    for (var i = 1; i < parts.length; i += 1) {
      if (/^\d+$/.test(parts[i])) {
        var countKey = parts.slice(0, i).join(".") + "._count";
        var known = parseInt(cache.get(countKey) || "0", 10);
        if (known < Number(parts[i]) + 1) { cache.set(countKey, String(Number(parts[i]) + 1)); }
      }
    }
  }

  // Fill the cache with the learner's data before the SCO starts, so that a SCO reading
  // its bookmark right after Initialize (SCORM 1.2 RTE 3.4.4 "cmi.core.lesson_location")
  // sees it.
  function warm(all) {
    Object.keys(all || {}).forEach(function (key) {
      if (typeof all[key] === "object") {
        if (!cache.has(key + "._count")) { cache.set(key + "._count", "0"); }
      } else {
        cache.set(key, String(all[key]));
        countUp(key);
      }
    });
  }

  var methods = params.get("format") === "scorm2004"
    ? ["Initialize", "Terminate", "GetValue", "SetValue", "Commit", "GetLastError", "GetErrorString", "GetDiagnostic"]
    : ["LMSInitialize", "LMSFinish", "LMSGetValue", "LMSSetValue", "LMSCommit", "LMSGetLastError",
      "LMSGetErrorString", "LMSGetDiagnostic"];
  var facade = {};
  methods.forEach(function (name) {
    facade[name] = function () {
      var result = api[name].apply(api, arguments);
      if (/SetValue$/.test(name)) { countUp(arguments[0]); }
      return result;
    };
  });
  if (params.get("format") === "scorm2004") {
    window.API_1484_11 = facade;
  } else {
    window.API = facade;
  }

  api._post("getFlattenedCMI", [])
    .then(warm, function () { /* the SCO still runs; its first reads may come back empty */ })
    .then(function () { sco.src = launch.href; });
})();
