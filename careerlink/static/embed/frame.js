/* CareerLink inside a portal's frame: tell the portal page our height, keep focus sensible
   after a navigation, and hand a campus sign-in made in a popup over to this frame.
   Messages go only to, and are taken only from, the portals the app allows (and, for the
   sign-in code, our own origin). No dependencies. */
(function () {
  "use strict";
  var framed = window.parent !== window;
  var portals = (document.body.getAttribute("data-careerlink-portals") || "").split(" ");
  var portal = null;
  var lastHeight = 0;
  var inside = false;
  try {
    inside = !!document.referrer && new URL(document.referrer).origin === location.origin;
  } catch (e) { inside = false; }

  function post(message) {
    if (portal) { portal.source.postMessage(message, portal.origin); }
  }

  function report() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height !== lastHeight) {
      lastHeight = height;
      post({ type: "careerlink:height", height: height });
    }
  }

  function redeem(code) {
    var form = document.getElementById("cl-handoff-form");
    if (form && form.elements.code) {
      form.elements.code.value = code;
      form.submit();
    }
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || typeof data !== "object") { return; }
    if (data.type === "careerlink:hello" && framed && event.source === window.parent &&
        event.origin && portals.indexOf(event.origin) !== -1) {
      portal = { origin: event.origin, source: event.source };
      lastHeight = 0;
      report();
      if (inside) { post({ type: "careerlink:navigated" }); }
    } else if (data.type === "careerlink:signed-in" && event.origin === location.origin &&
               typeof data.code === "string") {
      redeem(data.code);
    }
  });

  if (framed) {
    if (window.ResizeObserver) {
      new ResizeObserver(report).observe(document.documentElement);
    }
    window.addEventListener("load", report);
    // After a link or a form inside the frame, start reading at the new page's content.
    if (inside) {
      var main = document.getElementById("main");
      if (main) { main.focus({ preventScroll: true }); }
    }
  }

  // Campus sign-in: a popup (identity providers refuse frames); a link if it is blocked.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-careerlink-popup]") : null;
    if (!link) { return; }
    event.preventDefault();
    var popup = window.open(link.href, "careerlink-sign-in", "popup,width=520,height=720");
    if (!popup) {
      var blocked = document.getElementById("cl-popup-blocked");
      if (blocked) {
        blocked.hidden = false;
        var again = blocked.querySelector("a");
        if (again) { again.focus(); }
      }
    }
  });
})();
