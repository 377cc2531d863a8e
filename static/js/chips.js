// Searchable multi-select chips, and fields that follow a choice: progressive enhancement of
// plain forms (without JavaScript the same fields post the same values).
//
// <select multiple data-chips data-chips-name="Add a region" data-chips-help="..."> becomes a
// row of chips (one per chosen option, each with its own remove button) and a search box that
// offers the other options as one types. The select stays in the form, visually hidden, and
// holds the truth: the chips only tick and untick its options. Keys in the box: type to
// filter, Down and Up to move, Enter to add, Escape to close the list, Backspace (in an empty
// box) removes the last chip. The visible label stays the select's own (what scripts and the
// form without JavaScript use); the box is named by data-chips-name.
//
// <form data-defaults-from="activity_type" data-defaults='{"case_study": {"needed_by": ...}}'
// data-defaulted="needed_by advocates_needed">: picking another activity sets the listed
// fields to its usual values until the person changes one of them (then it is theirs).
(function () {
  "use strict";

  function make(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function labelText(field) {
    var label = field.id && document.querySelector('label[for="' + field.id + '"]');
    return label ? label.textContent.trim() : field.name;
  }

  function chips(select) {
    var id = select.id;
    var name = select.getAttribute("data-chips-name") || "Add " + labelText(select).toLowerCase();
    var box = make("div", "chips form-control");
    var chosen = make("ul", "chips-chosen");
    var input = make("input", "chips-input");
    var listbox = make("ul", "chips-options");
    var empty = make("div", "chips-empty");
    var status = make("div", "visually-hidden");
    var shown = []; // the options the list offers, in its order
    var active = -1;

    chosen.setAttribute("role", "list"); // a list without bullets is still a list
    input.type = "text";
    input.id = id + "-search";
    input.autocomplete = "off";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id + "-options");
    input.setAttribute("aria-label", name);
    if (select.hasAttribute("aria-describedby")) {
      input.setAttribute("aria-describedby", select.getAttribute("aria-describedby"));
    }
    listbox.id = id + "-options";
    listbox.setAttribute("role", "listbox");
    listbox.setAttribute("aria-label", name);
    listbox.hidden = true;
    empty.hidden = true;
    empty.setAttribute("aria-hidden", "true"); // the status below says it
    status.setAttribute("aria-live", "polite");
    if (select.classList.contains("is-invalid")) box.classList.add("is-invalid");
    var help = document.getElementById(id + "-help");
    if (help && select.hasAttribute("data-chips-help")) {
      help.textContent = select.getAttribute("data-chips-help");
    }

    select.classList.add("visually-hidden");
    select.tabIndex = -1;
    select.setAttribute("aria-hidden", "true");
    box.appendChild(chosen);
    box.appendChild(input);
    box.appendChild(listbox);
    box.appendChild(empty);
    select.parentNode.insertBefore(box, select.nextSibling);
    box.parentNode.insertBefore(status, box.nextSibling);

    function say(text) {
      status.textContent = text;
    }

    function renderChips() {
      chosen.textContent = "";
      Array.prototype.forEach.call(select.options, function (option) {
        if (!option.selected) return;
        var chip = make("li", "chip");
        var remove = make("button", "chip-remove");
        var cross = make("span", null, "\u00d7");
        chip.appendChild(make("span", "chip-text", option.text));
        remove.type = "button";
        remove.setAttribute("aria-label", "Remove " + option.text);
        cross.setAttribute("aria-hidden", "true");
        remove.appendChild(cross);
        remove.addEventListener("click", function () {
          pick(option, false);
          input.focus();
        });
        chip.appendChild(remove);
        chosen.appendChild(chip);
      });
      chosen.hidden = !chosen.children.length;
    }

    function pick(option, on) {
      option.selected = on;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      say((on ? "Added " : "Removed ") + option.text + ".");
    }

    function move(index) {
      var items = listbox.children;
      if (items[active]) {
        items[active].classList.remove("active");
        items[active].setAttribute("aria-selected", "false");
      }
      active = index;
      if (items[index]) {
        items[index].classList.add("active");
        items[index].setAttribute("aria-selected", "true");
        input.setAttribute("aria-activedescendant", items[index].id);
        items[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function close() {
      move(-1);
      listbox.hidden = true;
      empty.hidden = true;
      input.setAttribute("aria-expanded", "false");
    }

    function offer(at) {
      var query = input.value.trim().toLowerCase();
      shown = Array.prototype.filter.call(select.options, function (option) {
        return (
          !option.selected &&
          !option.disabled &&
          option.value !== "" &&
          option.text.toLowerCase().indexOf(query) >= 0
        );
      });
      close();
      listbox.textContent = "";
      shown.forEach(function (option, index) {
        var item = make("li", "chips-option", option.text);
        item.id = id + "-option-" + index;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        // Keep the focus in the box: a tap or click on an option must not blur it first.
        item.addEventListener("mousedown", function (event) {
          event.preventDefault();
        });
        item.addEventListener("click", function () {
          choose(index);
        });
        listbox.appendChild(item);
      });
      if (!shown.length) {
        empty.textContent = query ? "Nothing matches \u201c" + input.value.trim() + "\u201d." : "All chosen.";
        empty.hidden = false;
        say(empty.textContent);
        return;
      }
      listbox.hidden = false;
      input.setAttribute("aria-expanded", "true");
      move(at !== undefined ? Math.min(at, shown.length - 1) : query ? 0 : -1);
    }

    function choose(index) {
      var option = shown[index];
      if (!option) return;
      input.value = "";
      pick(option, true);
      offer(index); // the rest stay on offer, the next one active, for a quick second pick
    }

    input.addEventListener("input", function () {
      offer();
    });
    input.addEventListener("click", function () {
      if (listbox.hidden) offer();
    });
    input.addEventListener("keydown", function (event) {
      var open = !listbox.hidden;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (open) move(Math.min(active + 1, shown.length - 1));
        else offer(0);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (open) move(Math.max(active - 1, 0));
      } else if (event.key === "Enter") {
        if (!open) {
          // An empty box sends the form, as any text field does; a typed word that found
          // nothing (or a value already chosen) never sends a half-done form.
          if (input.value.trim()) event.preventDefault();
          return;
        }
        event.preventDefault();
        choose(active);
      } else if (event.key === "Tab") {
        close(); // moving on (or back to a chip's remove button) puts the list away
      } else if (event.key === "Escape") {
        if (open || !empty.hidden) {
          event.preventDefault();
          close();
        }
      } else if (event.key === "Backspace" && !input.value) {
        var last = select.querySelectorAll("option:checked");
        if (last.length) {
          event.preventDefault();
          pick(last[last.length - 1], false);
          if (open) offer();
        }
      }
    });
    box.addEventListener("focusout", function (event) {
      if (!box.contains(event.relatedTarget)) close();
    });
    box.addEventListener("click", function (event) {
      if (event.target === box || event.target === chosen) input.focus();
    });
    // The select's label, and the error summary's link to the field, lead to the box.
    document.querySelectorAll('label[for="' + id + '"], a[href="#' + id + '"]').forEach(
      function (link) {
        link.addEventListener("click", function (event) {
          event.preventDefault();
          input.focus();
        });
      }
    );
    // Changes from elsewhere (a script, the form's reset) show as chips too.
    select.addEventListener("change", renderChips);
    renderChips();
  }

  function followDefaults(form) {
    var table;
    try {
      table = JSON.parse(form.getAttribute("data-defaults"));
    } catch (error) {
      return;
    }
    var source = form.elements[form.getAttribute("data-defaults-from")];
    var note = form.querySelector("[data-defaults-note]");
    var untouched = {};
    if (!source || !table) return;
    (form.getAttribute("data-defaulted") || "").split(" ").forEach(function (name) {
      var field = name && form.elements[name];
      if (!field) return;
      untouched[name] = true;
      function mine() {
        delete untouched[name];
      }
      field.addEventListener("input", mine);
      field.addEventListener("change", mine);
    });
    source.addEventListener("change", function () {
      var usual = table[source.value];
      var filled = [];
      if (!usual) return;
      // In the page's order, so the note reads as the form does.
      Array.prototype.forEach.call(form.elements, function (field) {
        var name = field.name;
        if (!untouched[name] || usual[name] === undefined) return;
        field.value = usual[name];
        var text = labelText(field);
        filled.push(filled.length ? text.charAt(0).toLowerCase() + text.slice(1) : text);
      });
      if (note && filled.length) {
        note.textContent =
          filled.join(" and ") + " set to the usual for " +
          source.options[source.selectedIndex].text.toLowerCase() + "; change them if you need.";
      }
    });
  }

  function start() {
    document.querySelectorAll("select[multiple][data-chips]").forEach(chips);
    document.querySelectorAll("form[data-defaults][data-defaults-from]").forEach(followDefaults);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
