/*
 * LJCharts: the one home for chart text (docs/security.md §1).
 *
 * ECharts inserts whatever a tooltip formatter returns into the page as HTML, and names
 * (organisations, alliances, resources, dimensions …) are data typed by users. So no page
 * builds tooltip HTML itself: a tooltip formatter is either an ECharts string template
 * ("{b}：{c}", which ECharts escapes) or LJCharts.tooltip(fn), where fn returns plain text
 * lines and this module escapes them. Axis labels, legends and series labels are drawn on
 * the canvas as text and need no escaping. tests/test_csp.py fails on any other formatter.
 *
 * Load after vendor/echarts.min.js; page scripts (static files, data from json_script)
 * use LJCharts.data(id) and LJCharts.init(id).
 */
(function () {
  "use strict";

  var HTML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"};

  /** Text → HTML text: a name is shown as typed, never interpreted as markup. */
  function escapeHtml(value) {
    return String(value === null || value === undefined ? "" : value).replace(/[&<>"']/g, function (c) {
      return HTML_ESCAPES[c];
    });
  }

  /** Plain text lines → tooltip HTML: each line escaped, empty lines dropped, joined by <br>. */
  function lines(list) {
    return list.filter(function (line) { return line !== null && line !== undefined && line !== ""; })
      .map(escapeHtml).join("<br>");
  }

  /**
   * A tooltip formatter from a function of ECharts' params that returns plain text: one
   * string, or an array of lines (null/"" lines are left out; returning null shows nothing).
   */
  function tooltip(build) {
    return function (params) {
      var text = build(params);
      if (text === null || text === undefined) { return ""; }
      return lines(Array.isArray(text) ? text : [text]);
    };
  }

  /** The value of a {{ x|json_script:"id" }} block, or null when the page has none. */
  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  var charts = [];

  /**
   * echarts.init on the element (or its id), or null when the page does not show that chart.
   * Tooltips are confined to the chart so they stay on a phone's screen; every chart follows
   * window resizes.
   */
  function init(target) {
    var el = typeof target === "string" ? document.getElementById(target) : target;
    if (!el || typeof echarts === "undefined") { return null; }
    var chart = echarts.init(el);
    chart.setOption({tooltip: {confine: true, className: "lj-chart-tooltip"}});
    charts.push(chart);
    return chart;
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });

  window.LJCharts = Object.freeze({escapeHtml: escapeHtml, lines: lines, tooltip: tooltip, data: data, init: init});
})();
