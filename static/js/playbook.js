// The playbook beside the request form: shows the entry of the activity chosen, as it changes.
// Progressive: without JavaScript the entry the page was rendered with stays shown.
(function () {
  "use strict";
  const panel = document.querySelector("[data-playbook-panel]");
  const activity = document.querySelector('form select[name="activity_type"]');
  if (!panel || !activity) return;

  function show() {
    const chosen = activity.value || "";
    for (const entry of panel.querySelectorAll("[data-playbook-entry]")) {
      entry.hidden = entry.getAttribute("data-playbook-entry") !== chosen;
    }
  }

  activity.addEventListener("change", show);
  show();
})();
