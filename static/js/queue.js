// The request queue from the keyboard: j / k move between requests (the focus sits on each
// row's link, so Enter opens it), x ticks the row, / goes to the search, ? shows the keys.
// "Select all" ticks the page's rows; the count of ticked rows is read out. Keys are ignored
// while typing in a field or with Ctrl, Alt or Meta held. Without JavaScript the page works
// with the mouse, Tab and Space.
(function () {
  var table = document.getElementById("queue-table");
  var form = document.getElementById("bulk-form");
  var dialog = document.getElementById("shortcuts");
  var opener = document.getElementById("shortcuts-open");
  var search = document.getElementById("f-q");

  function rows() {
    return table ? Array.prototype.slice.call(table.querySelectorAll("tbody tr.queue-row")) : [];
  }

  function picks() {
    return table ? Array.prototype.slice.call(table.querySelectorAll("input.queue-pick")) : [];
  }

  function currentRow() {
    var active = document.activeElement;
    return active && table && table.contains(active) ? active.closest("tr.queue-row") : null;
  }

  function focusRow(row) {
    if (!row) return;
    var link = row.querySelector("a.queue-open");
    if (link) {
      link.focus();
      link.scrollIntoView({ block: "nearest" });
    }
  }

  function move(step) {
    var all = rows();
    if (!all.length) return;
    var index = all.indexOf(currentRow());
    if (index < 0) return focusRow(all[0]);
    focusRow(all[Math.max(0, Math.min(all.length - 1, index + step))]);
  }

  function showCount() {
    var boxes = picks();
    var ticked = boxes.filter(function (box) { return box.checked; }).length;
    var count = document.getElementById("bulk-count");
    if (count) {
      count.textContent = ticked
        ? ticked + (ticked === 1 ? " request" : " requests") + " ticked."
        : "Tick requests to act on several at once.";
    }
    var all = document.getElementById("pick-all");
    if (all) {
      all.checked = ticked > 0 && ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    }
  }

  function openHelp() {
    if (dialog && typeof dialog.showModal === "function" && !dialog.open) dialog.showModal();
  }

  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    if (tag === "textarea" || tag === "select" || target.isContentEditable) return true;
    if (tag !== "input") return false;
    var type = (target.getAttribute("type") || "text").toLowerCase();
    return ["checkbox", "radio", "button", "submit", "reset"].indexOf(type) < 0;
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if ((dialog && dialog.open) || typing(event.target)) return;
    var row = currentRow();
    if (event.key === "j") {
      move(1);
    } else if (event.key === "k") {
      move(-1);
    } else if (event.key === "x" && row) {
      var box = row.querySelector("input.queue-pick");
      box.checked = !box.checked;
      showCount();
    } else if (event.key === "Enter" && row && event.target.matches("input.queue-pick")) {
      row.querySelector("a.queue-open").click(); // Enter on a row's link opens it natively
    } else if (event.key === "/" && search) {
      search.focus();
      search.select();
    } else if (event.key === "?") {
      openHelp();
    } else {
      return;
    }
    event.preventDefault();
  });

  // The focused row stands out as well as its link's focus ring.
  if (table) {
    table.addEventListener("focusin", function (event) {
      rows().forEach(function (row) {
        row.classList.toggle("table-active", row.contains(event.target));
      });
    });
    table.addEventListener("focusout", function (event) {
      if (!table.contains(event.relatedTarget)) {
        rows().forEach(function (row) { row.classList.remove("table-active"); });
      }
    });
    table.addEventListener("change", function (event) {
      if (event.target.id === "pick-all") {
        picks().forEach(function (box) { box.checked = event.target.checked; });
      }
      showCount();
    });
    showCount();
  }

  if (form) {
    var reason = document.getElementById("bulk-reason");
    var reject = form.querySelector("button[value=reject]");
    // Enter in the reason field means "reject", never the first button's "assign to me".
    if (reason && reject) {
      reason.addEventListener("keydown", function (event) {
        if (event.key === "Enter") {
          event.preventDefault();
          reject.click();
        }
      });
    }
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      var question = button && button.getAttribute("data-confirm-reject");
      if (question && !window.confirm(question)) event.preventDefault();
    });
  }

  if (opener && dialog && typeof dialog.showModal === "function") {
    opener.hidden = false;
    opener.addEventListener("click", openHelp);
  }
})();
