/* A three-page SCORM 1.2 lesson: find the LMS's API, bookmark the page, report a score and the result, finish.
 * Bookmark: cmi.core.lesson_location (SCORM 1.2 RTE 3.4.4), read back when cmi.core.entry is "resume";
 * leaving before the end sets cmi.core.exit to "suspend" so the LMS keeps the bookmark. */
(function () {
  "use strict";

  function findAPI(win) {
    for (var depth = 0; win && depth < 10; depth += 1) {
      try {
        if (win.API) { return win.API; }
      } catch (e) {
        return null; // a window of another origin: the API is not above it
      }
      if (win.parent === win) { break; }
      win = win.parent;
    }
    return null;
  }

  var api = findAPI(window) || (window.opener && findAPI(window.opener));
  var pages = document.querySelectorAll(".page");
  var page = 0;
  var finished = false;

  function show(index) {
    page = Math.max(0, Math.min(pages.length - 1, index));
    pages.forEach(function (section, at) { section.hidden = at !== page; });
    document.getElementById("progress").textContent = "Page " + (page + 1) + " of " + pages.length;
    document.getElementById("back").disabled = page === 0;
    document.getElementById("next").disabled = page === pages.length - 1;
    if (api && !finished) { api.LMSSetValue("cmi.core.lesson_location", String(page)); }
  }

  function finish(suspend) {
    if (api && !finished) {
      finished = true;
      api.LMSSetValue("cmi.core.exit", suspend ? "suspend" : "");
      api.LMSFinish("");
    }
  }

  var start = 0;
  if (api) {
    api.LMSInitialize("");
    if (api.LMSGetValue("cmi.core.lesson_status") === "not attempted") {
      api.LMSSetValue("cmi.core.lesson_status", "incomplete");
    }
    var bookmark = parseInt(api.LMSGetValue("cmi.core.lesson_location"), 10);
    if (api.LMSGetValue("cmi.core.entry") === "resume" && bookmark >= 0) { start = bookmark; }
  }
  show(start);
  if (api) { api.LMSCommit(""); }

  document.getElementById("back").addEventListener("click", function () { show(page - 1); });
  document.getElementById("next").addEventListener("click", function () { show(page + 1); });

  document.getElementById("quiz").addEventListener("submit", function (event) {
    event.preventDefault();
    var choice = document.querySelector("input[name=answer]:checked");
    var right = choice !== null && choice.value === "b";
    document.getElementById("result").textContent = right
      ? "Right: problem solving is one of the three parts. You have finished this lesson."
      : "Not quite. Read the lesson again and try once more.";
    if (api && !finished) {
      api.LMSSetValue("cmi.core.score.raw", right ? "100" : "0");
      api.LMSSetValue("cmi.core.score.min", "0");
      api.LMSSetValue("cmi.core.score.max", "100");
      api.LMSSetValue("cmi.core.lesson_status", right ? "passed" : "failed");
      api.LMSCommit("");
      if (right) { finish(false); }
    }
  });

  window.addEventListener("pagehide", function () { finish(true); });
})();
