/* A one-page SCORM 1.2 lesson: find the LMS's API, report a score and the result, finish. */
(function () {
  "use strict";

  function findAPI(win) {
    for (var depth = 0; win && depth < 10; depth += 1) {
      if (win.API) { return win.API; }
      if (win.parent === win) { break; }
      win = win.parent;
    }
    return null;
  }

  var api = findAPI(window) || (window.opener && findAPI(window.opener));
  var finished = false;

  function finish() {
    if (api && !finished) {
      finished = true;
      api.LMSFinish("");
    }
  }

  if (api) {
    api.LMSInitialize("");
    if (api.LMSGetValue("cmi.core.lesson_status") === "not attempted") {
      api.LMSSetValue("cmi.core.lesson_status", "incomplete");
    }
    api.LMSCommit("");
  }

  document.getElementById("quiz").addEventListener("submit", function (event) {
    event.preventDefault();
    var choice = document.querySelector("input[name=answer]:checked");
    var right = choice !== null && choice.value === "b";
    document.getElementById("result").textContent = right
      ? "Right: problem solving is one of the three parts. You have finished this lesson."
      : "Not quite. Read the lesson again and try once more.";
    if (api) {
      api.LMSSetValue("cmi.core.score.raw", right ? "100" : "0");
      api.LMSSetValue("cmi.core.score.min", "0");
      api.LMSSetValue("cmi.core.score.max", "100");
      api.LMSSetValue("cmi.core.lesson_status", right ? "passed" : "failed");
      api.LMSCommit("");
      if (right) { finish(); }
    }
  });

  window.addEventListener("pagehide", finish);
})();
