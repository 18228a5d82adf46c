/* The sign-in window, signed in: post the one-time code to the CareerLink frame that opened
   it (our own origin only, so no other page can read it), then close. */
(function () {
  "use strict";
  var box = document.getElementById("cl-handoff");
  if (!box) { return; }
  var code = box.getAttribute("data-code");
  box.removeAttribute("data-code");
  var opener = window.opener;
  if (opener && !opener.closed) {
    opener.postMessage({ type: "careerlink:signed-in", code: code }, location.origin);
    window.close();
    setTimeout(function () {
      document.getElementById("cl-handoff-status").textContent =
        "Done: close this window and go back to the portal's page.";
    }, 500);
  } else {
    document.getElementById("cl-handoff-status").hidden = true;
    document.getElementById("cl-handoff-alone").hidden = false;
  }
})();
