// The campaign page's live progress: polls the page's JSON every few seconds and updates the bar,
// the counts, the outcome chart and the chunk table in place, until the batch is done or cancelled.
// Any failure (signed out, offline) stops it quietly: the page still shows what it last read.
(function () {
  "use strict";
  var root = document.getElementById("campaign");
  if (!root || root.dataset.final === "true") return;
  var every = Number(root.dataset.pollMs) || 3000;
  var bar = document.getElementById("sent-bar");

  function text(id, value) {
    var node = document.getElementById(id);
    if (node && node.textContent !== String(value)) node.textContent = String(value);
  }

  function html(id, value) {
    var node = document.getElementById(id);
    // Our own autoescaped template's rows; replaced only when they changed, so focus stays put.
    if (node && node.dataset.html !== value) {
      node.innerHTML = value;
      node.dataset.html = value;
    }
  }

  function show(progress) {
    bar.max = Math.max(progress.accepted, 1);
    bar.value = progress.sent;
    bar.textContent = progress.sent_text;
    text("sent-text", progress.sent_text);
    text("count-accepted", progress.accepted_text);
    text("status-label", progress.status_label);
    text("status-meaning", progress.meaning);
    text("chunks-summary", progress.chunks_summary);
    html("chunk-rows", progress.chunks_html);
    html("outcomes", progress.outcomes_html);
    root.dataset.status = progress.status;
  }

  function poll() {
    fetch(root.dataset.progressUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("progress answered " + response.status);
        return response.json();
      })
      .then(function (progress) {
        show(progress);
        if (progress.final) {
          root.dataset.final = "true";
          var cancel = document.getElementById("cancel-section");
          if (cancel) cancel.hidden = true; // nothing left to cancel
        } else {
          window.setTimeout(poll, every);
        }
      })
      .catch(function () {
        root.dataset.polling = "stopped";
      });
  }

  window.setTimeout(poll, every);
})();
