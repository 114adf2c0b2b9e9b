// Progressive enhancement for the kubethreat site. Every page works
// without this script: the matrix filters and the ID toggle are plain GET
// forms and links. With it, filters apply as you type, the ID toggle is
// remembered across visits, and the arrow keys move across the matrix.
(function () {
  "use strict";

  var STORAGE_KEY = "kubethreat.showIDs";
  var ATTACK_ID = /^T\d{4}(\.\d{3})?$/;

  document.documentElement.classList.add("js");

  function storedShowIDs() {
    try {
      return window.localStorage.getItem(STORAGE_KEY);
    } catch (e) {
      return null; // storage can be disabled; the toggle still works per page
    }
  }

  function storeShowIDs(on) {
    try {
      window.localStorage.setItem(STORAGE_KEY, on ? "1" : "0");
    } catch (e) {
      // Ignored for the same reason as above.
    }
  }

  function setQueryParam(params, name, value) {
    if (value) {
      params.set(name, value);
    } else {
      params.delete(name);
    }
  }

  // replaceQuery rewrites the address bar so that a reload or a shared
  // link shows the same view, in the parameter order the server uses.
  function replaceQuery(state) {
    var params = new URLSearchParams();
    setQueryParam(params, "tactic", state.tactic);
    setQueryParam(params, "mitigation", state.mitigation);
    setQueryParam(params, "attack", state.attack);
    setQueryParam(params, "unmapped", state.unmapped ? "1" : "");
    setQueryParam(params, "filter", state.text);
    setQueryParam(params, "ids", state.ids ? "1" : "");
    var query = params.toString();
    window.history.replaceState(null, "", query ? "/?" + query : "/");
  }

  function initMatrix() {
    var table = document.getElementById("matrix");
    var form = document.getElementById("matrix-filters");
    if (!table || !form) {
      return;
    }
    var toggle = document.getElementById("toggle-ids");
    var status = document.getElementById("matrix-status");
    var cells = Array.prototype.slice.call(table.querySelectorAll("td.cell"));
    var columns = table.querySelectorAll("thead th");
    var tacticSelect = form.elements.tactic;
    var allColumnsShown = columns.length === tacticSelect.options.length - 1;

    var knownAttack = {};
    cells.forEach(function (cell) {
      cell.dataset.attack.split(" ").forEach(function (id) {
        if (id) {
          knownAttack[id] = true;
        }
      });
    });

    function currentState() {
      return {
        tactic: tacticSelect.value,
        mitigation: form.elements.mitigation.value,
        attack: form.elements.attack.value.trim().toUpperCase(),
        unmapped: form.elements.unmapped.checked,
        text: form.elements.filter.value.trim(),
        ids: table.classList.contains("show-ids")
      };
    }

    // attackQuery returns the ID to match, falling back from an unmapped
    // sub-technique to its parent as the server does.
    function attackQuery(id) {
      if (!id || knownAttack[id] || id.indexOf(".") < 0) {
        return id;
      }
      return id.split(".")[0];
    }

    function cellMatches(cell, state, attack) {
      if (state.mitigation && cell.dataset.mitigations.split(" ").indexOf(state.mitigation) < 0) {
        return false;
      }
      if (attack && cell.dataset.attack.split(" ").indexOf(attack) < 0) {
        return false;
      }
      if (state.unmapped && cell.dataset.attack !== "") {
        return false;
      }
      if (state.text && cell.dataset.search.indexOf(state.text.toLowerCase()) < 0) {
        return false;
      }
      return true;
    }

    function applyFilters() {
      var state = currentState();
      var attackInput = form.elements.attack;
      var attackValid = state.attack === "" || ATTACK_ID.test(state.attack);
      attackInput.setAttribute("aria-invalid", attackValid ? "false" : "true");
      var attack = attackValid ? attackQuery(state.attack) : "";
      var highlight = !!(state.mitigation || attack || state.unmapped || state.text);

      var perColumn = {};
      var shown = 0;
      var matches = 0;
      cells.forEach(function (cell) {
        var tactic = cell.dataset.tactic;
        var visible = !state.tactic || tactic === state.tactic;
        var match = highlight && cellMatches(cell, state, attack);
        cell.classList.toggle("match", match);
        cell.classList.toggle("dim", highlight && !match);
        perColumn[tactic] = perColumn[tactic] || { count: 0, matches: 0 };
        perColumn[tactic].count++;
        if (match) {
          perColumn[tactic].matches++;
        }
        if (visible) {
          shown++;
          if (match) {
            matches++;
          }
        }
      });
      table.querySelectorAll("[data-tactic]").forEach(function (el) {
        el.classList.toggle("col-hidden", !!state.tactic && el.dataset.tactic !== state.tactic);
      });
      table.classList.toggle("highlighting", highlight);
      columns.forEach(function (th) {
        var counts = perColumn[th.dataset.tactic] || { count: 0, matches: 0 };
        var label = th.querySelector(".count");
        label.firstChild.nodeValue = highlight ? counts.matches + "/" + counts.count : String(counts.count);
      });

      var notices = document.querySelectorAll("#mitigation-notice, #attack-notice");
      notices.forEach(function (n) {
        n.parentNode.removeChild(n);
      });
      if (highlight) {
        status.textContent = matches + " of " + shown + " cells match the filters.";
      } else if (state.tactic) {
        status.textContent = "Showing " + shown + (shown === 1 ? " technique" : " techniques") + " of one tactic.";
      } else {
        status.textContent = shown + " cells: techniques that serve several tactics appear once under each.";
      }
      if (!attackValid) {
        status.textContent += " “" + state.attack + "” is not an ATT&CK technique ID such as T1610.";
      }
      replaceQuery(state);
    }

    form.addEventListener("submit", function (event) {
      if (allColumnsShown) {
        event.preventDefault();
        applyFilters();
      }
    });
    form.addEventListener("input", function (event) {
      if (event.target === tacticSelect && !allColumnsShown) {
        return; // the page lacks the other columns: the change event submits
      }
      applyFilters();
    });
    tacticSelect.addEventListener("change", function () {
      if (!allColumnsShown) {
        form.submit();
      }
    });

    function setShowIDs(on) {
      table.classList.toggle("show-ids", on);
      toggle.textContent = on ? "Hide IDs" : "Show IDs";
      toggle.setAttribute("aria-pressed", on ? "true" : "false");
      var hidden = document.getElementById("f-ids");
      if (on && !hidden) {
        hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = "ids";
        hidden.value = "1";
        hidden.id = "f-ids";
        form.appendChild(hidden);
      } else if (!on && hidden) {
        hidden.parentNode.removeChild(hidden);
      }
      var state = currentState();
      var flipped = new URLSearchParams(window.location.search);
      setQueryParam(flipped, "ids", on ? "" : "1");
      toggle.href = "/" + (flipped.toString() ? "?" + flipped.toString() : "");
      replaceQuery(state);
    }

    if (toggle) {
      // Without the script the toggle is a link to the other view; with
      // it, the toggle is a button that keeps its state.
      toggle.setAttribute("role", "button");
      toggle.setAttribute("aria-pressed", table.classList.contains("show-ids") ? "true" : "false");
      toggle.addEventListener("click", function (event) {
        event.preventDefault();
        var on = !table.classList.contains("show-ids");
        storeShowIDs(on);
        setShowIDs(on);
      });
      toggle.addEventListener("keydown", function (event) {
        if (event.key === " ") {
          event.preventDefault();
          toggle.click();
        }
      });
      var params = new URLSearchParams(window.location.search);
      if (params.has("ids")) {
        storeShowIDs(params.get("ids") === "1");
      } else if (storedShowIDs() === "1") {
        setShowIDs(true);
      }
    }

    initKeyboard(table);
  }

  // initKeyboard moves focus between technique cells with the arrow keys.
  // Columns differ in length, so moving sideways into a shorter column
  // lands on its last technique.
  function initKeyboard(table) {
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);

    function usable(td) {
      return td && td.classList.contains("cell") && !td.classList.contains("col-hidden");
    }

    function columnVisible(col) {
      var th = table.tHead.rows[0].cells[col];
      return th && !th.classList.contains("col-hidden");
    }

    function lastInColumn(col, fromRow) {
      for (var r = Math.min(fromRow, rows.length - 1); r >= 0; r--) {
        if (usable(rows[r].cells[col])) {
          return rows[r].cells[col];
        }
      }
      return null;
    }

    function sideways(row, col, step) {
      var width = rows[0].cells.length;
      for (var c = col + step; c >= 0 && c < width; c += step) {
        if (columnVisible(c)) {
          var target = lastInColumn(c, row);
          if (target) {
            return target;
          }
        }
      }
      return null;
    }

    function vertical(row, col, step) {
      for (var r = row + step; r >= 0 && r < rows.length; r += step) {
        if (usable(rows[r].cells[col])) {
          return rows[r].cells[col];
        }
      }
      return null;
    }

    function rowEnd(row, fromEnd) {
      var cellsInRow = Array.prototype.slice.call(rows[row].cells).filter(usable);
      if (cellsInRow.length === 0) {
        return null;
      }
      return fromEnd ? cellsInRow[cellsInRow.length - 1] : cellsInRow[0];
    }

    table.addEventListener("keydown", function (event) {
      var td = event.target.closest("td.cell");
      if (!td || event.altKey || event.metaKey) {
        return;
      }
      var row = td.parentNode.sectionRowIndex;
      var col = td.cellIndex;
      var target = null;
      switch (event.key) {
        case "ArrowRight":
          target = sideways(row, col, 1);
          break;
        case "ArrowLeft":
          target = sideways(row, col, -1);
          break;
        case "ArrowDown":
          target = vertical(row, col, 1);
          break;
        case "ArrowUp":
          target = vertical(row, col, -1);
          break;
        case "Home":
          target = event.ctrlKey ? rowEnd(0, false) : rowEnd(row, false);
          break;
        case "End":
          target = event.ctrlKey ? lastInColumn(rows[0].cells.length - 1, rows.length) : rowEnd(row, true);
          break;
        default:
          return;
      }
      event.preventDefault();
      if (target) {
        target.querySelector("a").focus();
      }
    });
  }

  // init sets up the matrix page, or the arrow keys on an assessment's
  // matrix, which has no filters.
  function init() {
    initMatrix();
    var overlay = document.getElementById("overlay");
    if (overlay) {
      initKeyboard(overlay);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
