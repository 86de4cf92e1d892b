/* Socle console: small progressive enhancements; every page works without them. */
(function () {
  "use strict";

  /* <form data-confirm="question">: ask before a destructive action. */
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  /* <button data-copy="input-id" hidden>: copy a field (shown only where the clipboard works). */
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    if (!navigator.clipboard) {
      return;
    }
    var status = document.querySelector("[data-copy-status]");
    button.hidden = false;
    button.addEventListener("click", function () {
      var field = document.getElementById(button.getAttribute("data-copy"));
      navigator.clipboard.writeText(field.value).then(function () {
        if (status) {
          status.textContent = "Copié dans le presse-papiers.";
        }
      });
    });
  });

  /* <div data-live-events="url">: replace the block with each "job" event until "end". */
  document.querySelectorAll("[data-live-events]").forEach(function (block) {
    var source = new EventSource(block.getAttribute("data-live-events"));
    var announce = document.getElementById("job-announce");
    source.addEventListener("job", function (event) {
      block.innerHTML = event.data;
      var summary = block.querySelector("[data-announce]");
      if (announce && summary) {
        announce.textContent = summary.getAttribute("data-announce");
      }
    });
    source.addEventListener("end", function () {
      source.close();
      block.setAttribute("data-live-state", "over");
      document.querySelectorAll("[data-hide-when-over]").forEach(function (element) {
        element.hidden = true;
      });
    });
  });
})();
