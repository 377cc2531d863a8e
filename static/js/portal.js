// Ask before destructive actions: forms marked data-confirm="question".
document.addEventListener("submit", function (event) {
  var question = event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// Copy buttons: data-copy="#input-id" copies that field's value.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) return;
  var field = document.querySelector(button.getAttribute("data-copy"));
  if (!field) return;
  field.select();
  if (navigator.clipboard) {
    navigator.clipboard.writeText(field.value).then(function () { button.textContent = "Copied"; });
  }
});

// Search fields that name an account or advocate (portal/accounts/lookup_fields.py): as one
// types, ask data-lookup-url?q= for a few matches and offer them in the input's <datalist>.
// Picking one sets the hidden id beside the input (data-lookup-id); in a list field
// (data-lookup-list) it adds a ticked checkbox instead and empties the input. Typing anything
// else clears the id, and the server resolves the typed name, as it does without JavaScript.
(function () {
  if (!window.fetch || !window.URLSearchParams) return;

  function lookupField(input) {
    var url = input.getAttribute("data-lookup-url");
    var options = document.getElementById(input.getAttribute("list"));
    var hidden = document.getElementById(input.getAttribute("data-lookup-id"));
    var chosen = document.getElementById(input.getAttribute("data-lookup-list") || "");
    var found = {}; // label -> id, of the last suggestions shown
    var timer = null;
    var latest = 0;

    function show(matches) {
      found = {};
      options.textContent = "";
      matches.forEach(function (match) {
        found[match.label] = match.id;
        var option = document.createElement("option");
        option.value = match.label;
        options.appendChild(option);
      });
    }

    function suggest() {
      var q = input.value.trim();
      if (!q) return show([]);
      var mine = ++latest;
      var separator = url.indexOf("?") < 0 ? "?" : "&";
      fetch(url + separator + new URLSearchParams({ q: q }).toString(), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          // A signed-out session answers with the sign-in page: offer nothing then.
          return response.ok && !response.redirected ? response.json() : [];
        })
        .then(function (matches) {
          if (mine === latest) show(matches);
        })
        .catch(function () {});
    }

    function add(id, label) {
      var box = chosen.querySelector('input[value="' + id + '"]');
      if (!box) {
        var name = input.getAttribute("data-lookup-name");
        var wrapper = document.createElement("div");
        wrapper.className = "form-check";
        box = document.createElement("input");
        box.type = "checkbox";
        box.className = "form-check-input";
        box.name = name;
        box.value = id;
        box.id = name + "-" + id;
        var text = document.createElement("label");
        text.className = "form-check-label";
        text.htmlFor = box.id;
        text.textContent = label;
        wrapper.appendChild(box);
        wrapper.appendChild(text);
        chosen.appendChild(wrapper);
      }
      box.checked = true;
      input.value = "";
      show([]);
    }

    input.addEventListener("input", function () {
      var id = Object.prototype.hasOwnProperty.call(found, input.value) ? found[input.value] : null;
      if (id !== null && chosen) return add(id, input.value);
      if (hidden) hidden.value = id === null ? "" : id;
      if (id !== null) return;
      window.clearTimeout(timer);
      timer = window.setTimeout(suggest, 150);
    });
  }

  document.querySelectorAll("input[data-lookup-url]").forEach(lookupField);
})();
