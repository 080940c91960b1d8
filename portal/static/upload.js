/* Package upload with a progress bar: the form posts through XHR so upload.onprogress can
   drive the <progress> element. Without JavaScript the form posts normally. */
(function () {
  "use strict";

  function showPage(xhr) {
    // Success answers with a redirect that XHR followed: go there. A refusal is a report page: show its main.
    if (xhr.responseURL && xhr.responseURL !== window.location.href && xhr.status < 400) {
      window.location.assign(xhr.responseURL);
      return;
    }
    var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
    var main = doc.querySelector("main");
    if (main) {
      document.querySelector("main").replaceWith(main);
      document.title = doc.title;
      main.focus();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-upload-progress]");
    if (!form) { return; }
    var bar = document.getElementById(form.getAttribute("data-upload-progress"));
    var box = document.getElementById("upload-progress-box");
    var status = document.getElementById("upload-status");
    var button = form.querySelector("button[type=submit]");

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) {
          var percent = Math.round((e.loaded / e.total) * 100);
          bar.value = percent;
          bar.textContent = percent + "%";
          status.textContent = "Uploaded " + percent + "%";
        }
      };
      xhr.upload.onload = function () {
        bar.value = 100;
        status.textContent = "Uploaded. Checking the package…";
      };
      xhr.onload = function () { showPage(xhr); };
      xhr.onerror = function () {
        status.textContent = "The upload failed (connection lost). Please try again.";
        button.disabled = false;
      };
      box.hidden = false;
      button.disabled = true;
      status.textContent = "Uploading…";
      xhr.send(new FormData(form));
    });
  });
})();
