/* CareerLink for a portal page: <script src="https://careers.example.edu/embed.js"
   data-careerlink="directory" data-industry="veterinary" data-lang="fr"></script> (or on the page, a
   <div data-careerlink="..."> that a bare embed.js script fills). Makes a titled iframe of
   CareerLink's embedded pages, sized to its content. No dependencies. */
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || !me.src) { return; }
  var origin = new URL(me.src).origin;
  var root = origin + new URL(me.src).pathname.replace(/\/embed\.js$/, "");
  var pages = {
    "directory": ["mentors", "Mentor directory"],
    "mentor": ["mentors/{mentor}", "Mentor"],
    "ask": ["mentors/{mentor}/ask/{kind}", "Ask a mentor"],
    "my-requests": ["my/requests", "Your requests"],
    "waiting-requests": ["my/waiting", "Requests waiting for your answer"],
    "staff-queue": ["staff/requests", "Request queue"]
  };
  var titles = {} /* careerlink:titles */;
  var filters = ["q", "industry", "offer", "country", "region", "city", "remote", "year-from",
    "year-to", "programme", "accepting", "state", "kind", "min-days"];
  var colours = ["primary", "primary-text", "primary-hover", "background", "surface", "text",
    "muted", "border", "focus"];

  function theme(data) {
    var parts = [];
    colours.forEach(function (name) {
      var key = "theme" + name.replace(/(^|-)([a-z])/g, function (m, d, c) { return c.toUpperCase(); });
      var value = (data[key] || "").replace(/^#/, "");
      if (/^([0-9a-f]{3}|[0-9a-f]{6})$/i.test(value)) { parts.push(name + ":" + value); }
    });
    return parts.length ? "theme=" + parts.join(",") + "/" : "";
  }

  function source(data) {
    var page = pages[data.careerlink];
    if (!page) { return null; }
    var mentor = /^[0-9]{1,10}$/.test(data.mentor || "") ? data.mentor : null;
    var kinds = ["introduction", "shadowing", "informational_interview", "resume_review", "referral"];
    var kind = kinds.indexOf(data.kind) !== -1 ? data.kind : "introduction";
    if (page[0].indexOf("{mentor}") !== -1 && !mentor) { return null; }
    var path = page[0].replace("{mentor}", mentor).replace("{kind}", kind);
    var query = [];
    filters.forEach(function (name) {
      var key = name.replace(/-([a-z])/g, function (m, c) { return c.toUpperCase(); });
      if (data[key]) {
        data[key].split(",").forEach(function (value) {
          query.push(encodeURIComponent(name.replace("-", "_")) + "=" + encodeURIComponent(value.trim()));
        });
      }
    });
    var lang = /^[a-z]{2,3}$/i.test(data.lang || "") ? "lang=" + data.lang.toLowerCase() + "/" : "";
    return root + "/embed/" + lang + theme(data) + path + (query.length ? "?" + query.join("&") : "");
  }

  function embed(holder, after) {
    var data = holder.dataset;
    var src = source(data);
    if (!src) {
      if (window.console) { console.warn("CareerLink: nothing to embed for", holder); }
      return;
    }
    var frame = document.createElement("iframe");
    frame.src = src;
    var own = titles[(data.lang || "").toLowerCase()] || {};
    frame.title = data.title || own[data.careerlink] || "CareerLink: " + pages[data.careerlink][1];
    frame.style.width = "100%";
    frame.style.border = "0";
    frame.style.display = "block";
    frame.style.height = (parseInt(data.height, 10) || 600) + "px";
    frame.addEventListener("load", function () {
      frame.contentWindow.postMessage({ type: "careerlink:hello" }, origin);
    });
    window.addEventListener("message", function (event) {
      if (event.origin !== origin || event.source !== frame.contentWindow) { return; }
      var message = event.data || {};
      if (message.type === "careerlink:height" && typeof message.height === "number") {
        frame.style.height = Math.max(100, Math.min(message.height, 50000)) + "px";
      } else if (message.type === "careerlink:navigated" && frame.getBoundingClientRect().top < 0) {
        frame.scrollIntoView();
      }
    });
    if (after) {
      holder.parentNode.insertBefore(frame, holder.nextSibling);
    } else {
      holder.appendChild(frame);
    }
  }

  if (me.dataset.careerlink) {
    embed(me, true);
  } else {
    var fill = function () {
      var holders = document.querySelectorAll("[data-careerlink]:not(script)");
      Array.prototype.forEach.call(holders, function (holder) {
        if (!holder.querySelector("iframe")) { embed(holder, false); }
      });
    };
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fill);
    } else {
      fill();
    }
  }
})();
