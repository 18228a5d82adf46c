// The import page's progress, refreshed without a click; the page's link does the same without
// JavaScript. Reloads the page once the job has finished, to show its report.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-progress-url");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        if (data.finished) { window.location.reload(); return; }
        var text = box.querySelector("[data-progress-text]");
        if (text) { text.textContent = data.text || (data.done + " / " + data.expected); }
        var bar = box.querySelector("progress");
        if (bar) { bar.max = data.expected || 1; bar.value = data.done; }
        if (data.state === "running" && !bar) { window.location.reload(); return; }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
