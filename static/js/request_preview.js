// The request form's live preview: who would fit and which stories, as the fields change.
// Progressive: without JavaScript the form still shows the preview it was rendered with.
(function () {
  "use strict";
  const box = document.querySelector("[data-request-preview]");
  if (!box) return;
  const activity = document.querySelector('form select[name="activity_type"]');
  const form = box.closest("form") || (activity && activity.form);
  if (!form) return;
  const url = box.getAttribute("data-request-preview");
  const names = ["activity_type", "prospect_company", "opportunity_stage", "industries",
    "products", "use_cases", "regions", "segments", "seniorities", "languages"];
  let timer = null;
  let last = "";
  let controller = null;

  function query() {
    const params = new URLSearchParams();
    for (const name of names) {
      const field = form.elements.namedItem(name);
      if (!field) continue;
      if (field instanceof HTMLSelectElement && field.multiple) {
        for (const option of field.selectedOptions) params.append(name, option.value);
      } else if (field.value) {
        params.append(name, field.value);
      }
    }
    return params.toString();
  }

  function refresh() {
    const q = query();
    if (q === last) return;
    last = q;
    if (controller) controller.abort();
    controller = new AbortController();
    box.setAttribute("aria-busy", "true");
    fetch(url + "?" + q, { credentials: "same-origin", signal: controller.signal,
      headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html !== null) box.innerHTML = html;
        box.removeAttribute("aria-busy");
      })
      .catch(function () { box.removeAttribute("aria-busy"); });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 300);
  }

  last = query();
  form.addEventListener("change", later);
  form.addEventListener("input", function (event) {
    const name = event.target && event.target.name;
    if (name === "prospect_company" || name === "opportunity_stage") later();
  });
})();
