// The program policy page: as match weights or the sample request change, fetch the preview of
// that request's top matches with the weights in the form (nothing is saved) and show it. Without
// JavaScript the "Preview" button posts the form for the same preview.
(function () {
  var form = document.getElementById("policy-form");
  var target = document.getElementById("weights-preview");
  if (!form || !target || !window.fetch || !window.URLSearchParams) return;
  var url = target.getAttribute("data-preview-url");
  var timer = null;
  var latest = 0;

  function refresh() {
    var params = new URLSearchParams();
    var sample = form.querySelector("[name=sample_request]");
    if (sample && sample.value) params.set("request_id", sample.value);
    form.querySelectorAll("[data-weight]").forEach(function (input) {
      params.set(input.getAttribute("data-weight"), input.value);
    });
    var mine = ++latest;
    target.setAttribute("aria-busy", "true");
    fetch(url + "?" + params.toString(), {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    })
      .then(function (response) {
        // A signed-out session answers with the sign-in page: keep the last preview then.
        if (response.redirected || (!response.ok && response.status !== 422)) return null;
        return response.text();
      })
      .then(function (html) {
        if (html !== null && mine === latest) target.innerHTML = html;
      })
      .catch(function () {})
      .then(function () {
        if (mine === latest) target.removeAttribute("aria-busy");
      });
  }

  function soon() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 300);
  }

  form.addEventListener("input", function (event) {
    if (event.target.hasAttribute("data-weight")) soon();
  });
  form.addEventListener("change", function (event) {
    if (event.target.name === "sample_request") soon();
  });
})();
