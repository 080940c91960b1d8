/*
 * The SCORM player page (player/PROTOCOL.md). It hosts the real SCORM API
 * (scorm-again's Scorm12API or Scorm2004API: SCORM 1.2 RTE 3.3, SCORM 2004 RTE 3.1)
 * and answers the content frame through CrossFrameLMS, from the content origin only.
 * One API instance per SCO: the old SCO is unloaded and its final commit sent before
 * the next one starts (../shared/PLAYER-NOTES.md, pitfall 7). Commits go to the
 * server as PROTOCOL.md "Committing" says: XHR while the SCO runs, a beacon at the end.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("player-config").textContent);
  var is2004 = config.format === "scorm2004";
  var BEACON_LIMIT = 60 * 1024; // sendBeacon refuses bodies over 64 KiB (PLAYER-NOTES pitfall 1)
  var UNLOAD_GRACE_MS = 1500; // how long a blanked SCO may take to send its Finish / Terminate
  var STATUS_TEXT = {
    "not attempted": "Not started", unknown: "Not started", incomplete: "In progress",
    completed: "Completed", passed: "Passed", failed: "Failed", browsed: "Browsed"
  };

  var frame = document.getElementById("content-frame");
  var message = document.getElementById("player-message");
  var items = config.items.filter(function (item) { return item.launchable; });
  var seq = 0;
  var current = null; // {item, api, lms, commitUrl, initialized, finished, suspending, onFinish}
  var lastId = null; // the SCO opened last, for "Next" once it has closed
  var busy = false;
  var stopped = false; // superseded by a newer launch: nothing more is sent
  var closing = false; // the page is being closed: only a beacon still leaves

  function el(id) { return document.getElementById(id); }

  function indexOf(id) {
    for (var i = 0; i < items.length; i += 1) { if (items[i].id === id) { return i; } }
    return -1;
  }

  function fill(url, id) { return url.replace("{item}", encodeURIComponent(id)); }

  function frameUrl(launchUrl) {
    var fragment = new URLSearchParams({ launch: launchUrl, format: config.format, parent: window.location.origin });
    return config.contentOrigin + "/content-static/frame.html#" + fragment.toString();
  }

  // -- what the learner sees ---------------------------------------------------

  function paintBadge(badge, status) {
    badge.setAttribute("data-status", status);
    badge.textContent = STATUS_TEXT[status] || status;
  }

  function setStatus(id, status) {
    if (!status) { return; }
    document.querySelectorAll(".toc-status").forEach(function (badge) {
      if (badge.getAttribute("data-status-for") === id) { paintBadge(badge, status); }
    });
    items.forEach(function (item) { if (item.id === id) { item.status = status; } });
    if (current && current.item.id === id) {
      var now = el("now-status");
      paintBadge(now, status);
      now.hidden = false;
    }
  }

  function showCurrent(item) {
    document.querySelectorAll(".toc-link").forEach(function (link) {
      if (link.getAttribute("data-item") === item.id) {
        link.setAttribute("aria-current", "true");
      } else {
        link.removeAttribute("aria-current");
      }
    });
    el("now-title").textContent = item.title === config.courseTitle ? "" : item.title;
    var at = indexOf(item.id);
    if (el("flow-previous")) {
      el("flow-previous").disabled = at <= 0;
      el("flow-next").disabled = at < 0 || at >= items.length - 1;
    }
    frame.title = "Course content: " + item.title;
  }

  function showMessage(text, kind, offerNext) {
    el("player-message-text").textContent = text;
    message.setAttribute("data-kind", kind);
    message.hidden = false;
    el("message-next").hidden = !offerNext;
  }

  function blankFrame() {
    frame.src = "about:blank";
    frame.hidden = true;
  }

  function stop(text) {
    stopped = true;
    if (current) { current.finished = true; current.lms.destroy(); }
    blankFrame();
    var save = el("save-exit");
    if (save) { save.disabled = true; }
    showMessage(text, "error", false);
  }

  // -- commits (PROTOCOL.md "Committing") -----------------------------------------

  function envelope(commit) {
    seq += 1;
    return { session: config.launchSession, seq: seq, cmi: commit && commit.cmi ? commit.cmi : commit };
  }

  function applyAnswer(answer) {
    if (!answer) { return; }
    (answer.items || []).forEach(function (item) { setStatus(item.id, item.status); });
  }

  function failure() { return { result: "false", errorCode: is2004 ? 391 : 101 }; }

  function readAnswer(xhr) {
    var answer = null;
    try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = null; }
    if (xhr.status >= 200 && xhr.status < 300) {
      applyAnswer(answer);
      return { result: "true", errorCode: 0 };
    }
    if (xhr.status === 409 && answer && answer.superseded) {
      stop("This course was opened in another window or on another device, so this window stopped saving"
        + " your progress. Carry on in the other window, or go back to the course page to open it here again.");
    } else if (xhr.status === 403 || xhr.status === 409) {
      stop("Your progress could not be saved: " + ((answer && answer.error) || "the server refused it") + ".");
    }
    return failure();
  }

  function postNow(url, body) {
    var xhr = new XMLHttpRequest();
    xhr.open("POST", url, false); // the SCO waits for its Commit's answer (SCORM RTE: Commit returns its result)
    xhr.setRequestHeader("Content-Type", "application/json");
    xhr.send(body);
    return readAnswer(xhr);
  }

  /**
   * The final commit: while the page stays open it goes now by XHR (its answer updates the
   * contents and is stored before the page moves on), and the library's beacon repeats only
   * its seq; as the page closes, the beacon carries it, unless it is too big for one.
   */
  function terminateBody(commitUrl, body) {
    var text = JSON.stringify(body);
    if (closing && new Blob([text]).size <= BEACON_LIMIT) { return body; }
    try {
      postNow(commitUrl + "?final=true", text);
      return { session: body.session, seq: body.seq, cmi: {} }; // a retry of that seq: the server stores nothing
    } catch (e) {
      return body; // a page being closed may not send XHR; the last autocommit stands
    }
  }

  function makeApi(item, sco) {
    var commitUrl = fill(config.api.commit, item.id);
    var settings = Object.assign({ autocommit: true, autocommitSeconds: 10 }, sco.settings || {}, {
      lmsCommitUrl: commitUrl,
      terminateCommitParam: "final",
      commitRequestDataType: "application/json",
      terminationCommitContentType: "text/plain;charset=utf-8",
      useAsynchronousCommits: false,
      sendFullCommit: true,
      logLevel: 4,
      onLogMessage: function (level, text) { console.warn("SCORM run-time: " + text); },
      requestHandler: function (commit, meta) {
        var body = envelope(commit);
        return meta && meta.isTerminateCommit ? terminateBody(commitUrl, body) : body;
      },
      xhrResponseHandler: readAnswer
    });
    var api = is2004 ? new window.Scorm2004API(settings) : new window.Scorm12API(settings);
    api.loadFromJSON(sco.cmi || {});
    return { api: api, commitUrl: commitUrl };
  }

  function call(api, name12, name2004) {
    var args = Array.prototype.slice.call(arguments, 3);
    return api[is2004 ? name2004 : name12].apply(api, args);
  }

  /** Ends the SCO's session ourselves (the page closes, or the learner moves on); one final commit. */
  function terminate(sco) {
    if (sco.finished || stopped) { return; }
    if (!sco.initialized) {
      // Content that never calls the API still gets one final commit, for the server's rules
      // on such content (SCORM 1.2 RTE 3.4.4 "cmi.core.lesson_status"; 2004 SN 4.2.1).
      call(sco.api, "LMSInitialize", "Initialize", "");
    }
    call(sco.api, "LMSFinish", "Terminate", "");
  }

  // -- one SCO at a time -----------------------------------------------------------

  function start(item, sco) {
    var made = makeApi(item, sco);
    var api = made.api;
    var opened = { item: item, api: api, commitUrl: made.commitUrl, initialized: false, finished: false };
    opened.lms = new window.CrossFrameLMS(api, config.contentOrigin, { rateLimit: 10000 });
    api.on(is2004 ? "Initialize" : "LMSInitialize", function () {
      opened.initialized = true;
      var status = items[indexOf(item.id)].status;
      if (config.mode === "normal" && (status === "not attempted" || status === "unknown")) { setStatus(item.id, "incomplete"); }
    });
    api.on("BeforeTerminate", function () {
      if (opened.suspending) { call(api, "LMSSetValue", "SetValue", is2004 ? "cmi.exit" : "cmi.core.exit", "suspend"); }
    });
    // The SCO's own status shows at once; each commit's answer then gives the server's.
    api.on(is2004 ? "SetValue.cmi.completion_status" : "LMSSetValue.cmi.core.lesson_status", function (name, value) {
      setStatus(item.id, value);
    });
    if (is2004) {
      api.on("SetValue.cmi.success_status", function (name, value) { if (value !== "unknown") { setStatus(item.id, value); } });
      api.on("SetValue.adl.nav.request", function (name, value) { opened.navRequest = String(value); });
    }
    api.on(is2004 ? "Terminate" : "LMSFinish", function () {
      opened.finished = true;
      window.setTimeout(function () { finished(opened); }, 0);
    });
    current = opened;
    lastId = item.id;
    message.hidden = true;
    showCurrent(item);
    setStatus(item.id, (sco.item && sco.item.status) || item.status);
    frame.hidden = false;
    frame.src = frameUrl(sco.launchUrl);
  }

  /** Blank the frame, let the SCO's unload handlers finish it, then end what they did not. */
  function closeCurrent() {
    var closing = current;
    if (!closing) { return Promise.resolve(); }
    return new Promise(function (resolve) {
      var done = false;
      function end() {
        if (done) { return; }
        done = true;
        terminate(closing);
        closing.lms.destroy();
        if (current === closing) { current = null; }
        resolve();
      }
      closing.onFinish = end;
      frame.addEventListener("load", function blanked() {
        frame.removeEventListener("load", blanked);
        if (closing.finished) { end(); } else { window.setTimeout(end, UNLOAD_GRACE_MS); }
      });
      frame.src = "about:blank";
    });
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) { throw new Error(body.error || "the server answered " + response.status); }
        return body;
      });
    });
  }

  function open(id) {
    var at = indexOf(id);
    if (busy || stopped || at < 0 || (current && current.item.id === id)) { return Promise.resolve(); }
    busy = true;
    return closeCurrent()
      .then(function () { return getJSON(fill(config.api.sco, id)); })
      .then(function (sco) {
        applyAnswer(sco);
        start(items[at], sco);
      })
      .catch(function (error) {
        blankFrame();
        showMessage("This part of the course could not be opened (" + error.message + "). Try again in a moment.", "error", false);
      })
      .then(function () { busy = false; });
  }

  function leave() {
    window.location.assign(config.courseUrl);
  }

  /** The SCO finished by itself: follow its navigation request (SCORM 2004 RTE 4.4 "adl.nav.request"), else say so. */
  function finished(sco) {
    if (sco.onFinish) { sco.onFinish(); return; }
    if (sco !== current || stopped) { return; }
    var request = sco.navRequest || "_none_";
    var at = indexOf(sco.item.id);
    var choice = /^\{target=([^}]+)\}(choice|jump)$/.exec(request);
    if (request === "exitAll" || request === "suspendAll" || (request === "exit" && items.length === 1)) {
      closeCurrent().then(leave);
    } else if (request === "continue" && at < items.length - 1) {
      open(items[at + 1].id);
    } else if (request === "previous" && at > 0) {
      open(items[at - 1].id);
    } else if (choice) {
      open(choice[1]);
    } else {
      closeCurrent().then(function () {
        frame.hidden = true;
        var next = at >= 0 && at < items.length - 1;
        showMessage("You have finished “" + sco.item.title + "”." + (next ? " Go on with the next part, or come back later." : ""), "done", next);
      });
    }
  }

  /** "Save and exit": suspend (SCORM 1.2 RTE 3.4.4 "cmi.core.exit"; 2004 RTE 4.2.7 "cmi.exit"), commit, end, go back. */
  function saveAndExit() {
    if (busy) { return; }
    busy = true;
    var sco = current;
    if (sco && sco.initialized && !sco.finished && !stopped) {
      sco.suspending = true;
      call(sco.api, "LMSSetValue", "SetValue", is2004 ? "cmi.exit" : "cmi.core.exit", "suspend");
      call(sco.api, "LMSCommit", "Commit", ""); // the whole state by XHR first: the final beacon may be refused
    }
    if (stopped) {
      busy = false; // superseded: the message says what to do; this window does not move on
      return;
    }
    closeCurrent().then(leave);
  }

  // -- the page closing: one final commit by beacon (PROTOCOL.md "Committing") ------

  function pageClosing() {
    closing = true;
    if (current) { terminate(current); }
  }
  window.addEventListener("pagehide", pageClosing);
  window.addEventListener("unload", pageClosing);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "hidden" || !current || !current.initialized || current.finished || stopped) { return; }
    var text = JSON.stringify(envelope(current.api.getCommitObject(true)));
    if (new Blob([text]).size <= BEACON_LIMIT) {
      navigator.sendBeacon(current.commitUrl + "?final=true", new Blob([text], { type: "text/plain;charset=utf-8" }));
    }
  });

  // -- controls ------------------------------------------------------------------

  function step(by) {
    var at = indexOf(lastId);
    if (at + by >= 0 && at + by < items.length) { open(items[at + by].id); }
  }

  var toc = el("toc");
  var toggle = el("toc-toggle");
  function foldToc(open) {
    if (!toc || !toggle) { return; }
    toc.classList.toggle("open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }
  if (toggle) { toggle.addEventListener("click", function () { foldToc(!toc.classList.contains("open")); }); }
  document.querySelectorAll(".toc-link").forEach(function (link) {
    link.addEventListener("click", function () { foldToc(false); open(link.getAttribute("data-item")); });
  });
  document.querySelectorAll(".toc-status").forEach(function (badge) { paintBadge(badge, badge.textContent.trim()); });
  if (el("flow-previous")) {
    el("flow-previous").addEventListener("click", function () { step(-1); });
    el("flow-next").addEventListener("click", function () { step(1); });
  }
  el("message-next").addEventListener("click", function () { step(1); });
  if (el("save-exit")) { el("save-exit").addEventListener("click", saveAndExit); }

  open(indexOf(config.start) >= 0 ? config.start : items[0].id);
})();
