/*
 * The page behaviours of 联建, driven by data attributes (loaded by base.html on every page).
 *
 * The Content-Security-Policy allows no inline script and no on…= attribute, so markup says
 * what it wants and this one script does it (docs/security.md §1):
 *
 *   <form data-confirm="确定…？">          asks before submitting (also on a submit button)
 *   <select data-autosubmit>               submits its form when changed
 *   <button data-copy-target="#id">        copies the link (href) or text of #id
 *   <input type="checkbox" data-check-all="input[name=member]">
 *                                          checks or clears the boxes matched in its form
 *   <table class="table card-table">       a list: on a phone each row becomes a card whose
 *                                          cells are labelled with their column's heading
 *   <table … data-table-keep>              a matrix or comparison that stays a (scrolling) table
 *   <a href="…?…" data-with-form="#form">   follows the link with the form's current values as
 *                                          its query (an export of the list as now filtered)
 *
 * Listeners sit on the document, so content swapped in by htmx behaves the same. Texts come
 * from attributes and are used as text (confirm dialog, clipboard), never as HTML or code.
 */
(function () {
  "use strict";

  // Capture phase: a cancelled confirmation stops the submit before htmx sees it.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var message = (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.hasAttribute("data-autosubmit") && el.form) {
      // requestSubmit fires the submit event, so htmx forms and data-confirm still apply.
      if (typeof el.form.requestSubmit === "function") { el.form.requestSubmit(); } else { el.form.submit(); }
      return;
    }
    var selector = el.getAttribute("data-check-all");
    if (selector) {
      var scope = el.form || document;
      scope.querySelectorAll(selector).forEach(function (box) { box.checked = el.checked; });
    }
  });

  // Before the browser follows the link: the filters may have changed through htmx since
  // the page was drawn, so the query is taken from the form as it is now (paging dropped).
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-with-form]") : null;
    if (!link) { return; }
    var form = document.querySelector(link.getAttribute("data-with-form"));
    if (!form) { return; }
    var params = new URLSearchParams(new FormData(form));
    params.delete("page");
    var query = params.toString();
    link.setAttribute("href", link.getAttribute("href").split("?")[0] + (query ? "?" + query : ""));
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy-target]") : null;
    if (!button) { return; }
    var source = document.querySelector(button.getAttribute("data-copy-target"));
    if (!source || !navigator.clipboard) { return; }
    navigator.clipboard.writeText(source.href || source.textContent.trim()).then(function () {
      var label = button.textContent;
      button.textContent = "已复制";
      window.setTimeout(function () { button.textContent = label; }, 1500);
    });
  });

  // Lists on a phone: label each cell with its column's heading (data-label) and mark the
  // table; lianjian.css lays marked tables out as cards below 576 px. Headings are read as
  // text and written to an attribute, never as HTML. Rows spanning columns keep no label.
  function labelListTables(root) {
    root.querySelectorAll("table.card-table:not([data-table-keep]):not(.table-bordered)").forEach(function (table) {
      var heads = table.tHead ? table.tHead.rows[0] : null;
      if (!heads) { return; }
      var labels = Array.prototype.map.call(heads.cells, function (th) { return th.textContent.trim(); });
      Array.prototype.forEach.call(table.tBodies, function (body) {
        Array.prototype.forEach.call(body.rows, function (row) {
          var spans = row.cells.length !== labels.length;
          Array.prototype.forEach.call(row.cells, function (cell, i) {
            cell.setAttribute("data-label", spans ? "" : labels[i]);
          });
        });
      });
      table.classList.add("lj-cards");
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { labelListTables(document); });
  } else {
    labelListTables(document);
  }
  // Lists re-rendered by htmx (filters, paging) are labelled again.
  document.addEventListener("htmx:afterSettle", function (event) { labelListTables(event.target); });
})();
