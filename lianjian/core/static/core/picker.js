/*
 * The picker (lianjian/core/widgets.py, template core/widgets/picker.html): a code input
 * turned into a search-as-you-type chooser of organisations, members or alliances.
 *
 *   <div data-picker data-multiple="0|1">
 *     <input data-picker-code name="lead">      the field; without this script the user types a code
 *     <div data-picker-ui hidden>
 *       <div data-picker-chosen>…chips…</div>   the chosen rows by name, code small
 *       <input data-picker-search hx-get=…>      htmx fetches the matching rows into
 *       <div data-picker-options role=listbox>   …this list (role=option, data-code, data-label)
 *
 * Keyboard: type, ↓/↑ to move, Enter to choose, Esc to close; Backspace in an empty box
 * removes the last chosen row of a list. Texts are set as text, never as HTML (strict CSP).
 */
(function () {
  "use strict";

  var SEPARATOR = "、";
  var SPLIT = /[、，,；;\n]+/;
  var serial = 0;

  function parts(root) {
    return {
      code: root.querySelector("[data-picker-code]"),
      ui: root.querySelector("[data-picker-ui]"),
      chosen: root.querySelector("[data-picker-chosen]"),
      search: root.querySelector("[data-picker-search]"),
      options: root.querySelector("[data-picker-options]"),
      multiple: root.getAttribute("data-multiple") === "1"
    };
  }

  function codesOf(input) {
    return input.value.split(SPLIT).map(function (s) { return s.trim(); }).filter(Boolean);
  }

  function makeChip(code, label) {
    var chip = document.createElement("span");
    chip.className = "lj-chip";
    chip.setAttribute("data-code", code);
    var name = document.createElement("span");
    name.className = "lj-chip-name";
    name.textContent = label || code;
    chip.appendChild(name);
    if (label) {
      var small = document.createElement("small");
      small.className = "lj-chip-code";
      small.textContent = code;
      chip.appendChild(small);
    }
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "lj-chip-remove";
    remove.setAttribute("data-picker-remove", "");
    remove.setAttribute("aria-label", "移除 " + (label || code));
    remove.textContent = "×";
    chip.appendChild(remove);
    return chip;
  }

  function enhance(root) {
    if (root.hasAttribute("data-picker-ready")) { return; }
    root.setAttribute("data-picker-ready", "");
    var p = parts(root);
    if (!p.code || !p.ui || !p.search || !p.options) { return; }
    p.ui.hidden = false;
    if (p.code.disabled) {
      // A field that cannot change: its chosen names only.
      p.search.hidden = true;
      root.querySelectorAll("[data-picker-remove]").forEach(function (b) { b.hidden = true; });
      p.code.hidden = true;
      return;
    }
    p.code.type = "hidden";
    serial += 1;
    p.search.id = (p.code.id || "picker-" + serial) + "-search";
    if (p.code.id) {
      document.querySelectorAll("label[for='" + p.code.id + "']").forEach(function (label) { label.htmlFor = p.search.id; });
    }
    var named = p.code.getAttribute("aria-label");
    if (named) { p.search.setAttribute("aria-label", named); }
    if (p.code.getAttribute("aria-invalid") === "true") { p.search.setAttribute("aria-invalid", "true"); }
    var described = p.code.getAttribute("aria-describedby");
    if (described) { p.search.setAttribute("aria-describedby", described); }
  }

  function enhanceAll(scope) {
    if (scope.matches && scope.matches("[data-picker]")) { enhance(scope); }
    (scope.querySelectorAll ? scope.querySelectorAll("[data-picker]") : []).forEach(enhance);
  }

  function optionsOf(p) {
    return Array.prototype.slice.call(p.options.querySelectorAll("[role=option]"));
  }

  function setActive(p, index) {
    var items = optionsOf(p);
    items.forEach(function (item, i) {
      var on = i === index;
      item.classList.toggle("active", on);
      item.setAttribute("aria-selected", on ? "true" : "false");
      if (on) {
        p.search.setAttribute("aria-activedescendant", item.id);
        item.scrollIntoView({ block: "nearest" });
      }
    });
    if (index < 0 || index >= items.length) { p.search.removeAttribute("aria-activedescendant"); }
  }

  function activeIndex(p) {
    return optionsOf(p).findIndex(function (item) { return item.classList.contains("active"); });
  }

  function open(p) {
    p.options.hidden = false;
    p.search.setAttribute("aria-expanded", "true");
  }

  function close(p) {
    p.options.hidden = true;
    p.search.setAttribute("aria-expanded", "false");
    setActive(p, -1);
  }

  function changed(p) {
    p.code.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function choose(root, option) {
    var p = parts(root);
    var code = option.getAttribute("data-code");
    var label = option.getAttribute("data-label");
    if (p.multiple) {
      var codes = codesOf(p.code);
      if (codes.indexOf(code) < 0) {
        codes.push(code);
        p.chosen.appendChild(makeChip(code, label));
      }
      p.code.value = codes.join(SEPARATOR);
    } else {
      p.code.value = code;
      p.chosen.replaceChildren(makeChip(code, label));
    }
    p.search.value = "";
    close(p);
    changed(p);
    p.search.focus();
  }

  function remove(root, chip) {
    var p = parts(root);
    var code = chip.getAttribute("data-code");
    p.code.value = codesOf(p.code).filter(function (c) { return c !== code; }).join(SEPARATOR);
    chip.remove();
    changed(p);
    p.search.focus();
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var list = event.target;
    if (!list.matches || !list.matches("[data-picker-options]")) { return; }
    var root = list.closest("[data-picker]");
    var p = parts(root);
    optionsOf(p).forEach(function (item, i) { item.id = list.id + "-" + i; });
    if (document.activeElement !== p.search) { return; }
    open(p);
    // With text typed, Enter takes the best match.
    setActive(p, p.search.value.trim() && optionsOf(p).length ? 0 : -1);
  });

  document.addEventListener("keydown", function (event) {
    var search = event.target;
    if (!search.matches || !search.matches("[data-picker-search]")) { return; }
    var root = search.closest("[data-picker]");
    var p = parts(root);
    var items = optionsOf(p);
    var index = activeIndex(p);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!items.length) { return; }
      open(p);
      var step = event.key === "ArrowDown" ? 1 : -1;
      setActive(p, (index + step + items.length) % items.length);
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (!p.options.hidden && index >= 0) { choose(root, items[index]); }
    } else if (event.key === "Escape") {
      if (!p.options.hidden) { event.preventDefault(); close(p); }
    } else if (event.key === "Backspace" && p.multiple && !search.value) {
      var chips = p.chosen.querySelectorAll(".lj-chip");
      if (chips.length) { remove(root, chips[chips.length - 1]); }
    }
  });

  // While new matches are on their way, Enter must not take a row of the old list.
  document.addEventListener("input", function (event) {
    var search = event.target;
    if (search.matches && search.matches("[data-picker-search]")) { setActive(parts(search.closest("[data-picker]")), -1); }
  });

  // mousedown would move the focus away (closing the list) before the click lands.
  document.addEventListener("mousedown", function (event) {
    if (event.target.closest && event.target.closest("[data-picker-options] [role=option]")) { event.preventDefault(); }
  });

  document.addEventListener("click", function (event) {
    if (!event.target.closest) { return; }
    var option = event.target.closest("[data-picker-options] [role=option]");
    if (option) { choose(option.closest("[data-picker]"), option); return; }
    var removeButton = event.target.closest("[data-picker-remove]");
    if (removeButton) { remove(removeButton.closest("[data-picker]"), removeButton.closest(".lj-chip")); }
  });

  document.addEventListener("focusout", function (event) {
    var search = event.target;
    if (!search.matches || !search.matches("[data-picker-search]")) { return; }
    var root = search.closest("[data-picker]");
    if (event.relatedTarget && root.contains(event.relatedTarget)) { return; }
    close(parts(root));
  });

  document.addEventListener("htmx:load", function (event) { enhanceAll(event.target); });
  enhanceAll(document);
})();
