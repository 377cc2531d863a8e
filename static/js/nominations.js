// The account picker of nominations: as one types, the names of matching accounts fill the
// field's list. Progressive: without JavaScript a typed name (or a part naming one account) works.
(function () {
  "use strict";
  const fields = document.querySelectorAll("input[data-account-suggest]");
  if (!fields.length) return;
  let timer = null;
  let asked = "";

  function fill(list, names) {
    list.replaceChildren(
      ...names.map(function (name) {
        const option = document.createElement("option");
        option.value = name;
        return option;
      })
    );
  }

  function suggest(field) {
    const q = field.value.trim();
    const list = document.getElementById(field.getAttribute("list"));
    if (!list || q.length < 2 || q === asked) return;
    asked = q;
    const url = field.getAttribute("data-account-suggest") + "?q=" + encodeURIComponent(q);
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(function (names) { if (Array.isArray(names)) fill(list, names); })
      .catch(function () {});
  }

  for (const field of fields) {
    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { suggest(field); }, 200);
    });
  }
})();
