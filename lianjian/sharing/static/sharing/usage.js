// Resource utilisation: hours by month, by resource and by alliance (data: #chart-data).
(function () {
  "use strict";
  var d = LJCharts.data("chart-data");
  if (!d) { return; }
  var OWN = "#206bc4", OTHER = "#c8161d";
  // Horizontal bar charts grow with their number of rows, so that one row is not a slab.
  function init(id, rows) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    if (rows !== undefined) { el.style.height = Math.max(260, 34 * rows + 90) + "px"; }
    return LJCharts.init(el);
  }
  var month = init("chart-month");
  if (month) {
    month.setOption({
      tooltip: {trigger: "axis"}, legend: {top: 0}, grid: {left: 10, right: 20, top: 50, bottom: 10, containLabel: true},
      xAxis: {type: "category", data: d.months, axisLabel: {interval: 0}}, yAxis: {type: "value", name: "小时"},
      series: [{name: "本单位使用", type: "bar", stack: "h", data: d.months_own, color: OWN},
               {name: "其他单位使用", type: "bar", stack: "h", data: d.months_other, color: OTHER}]
    });
  }
  var res = init("chart-resource", d.resources.length);
  if (res) {
    res.setOption({
      tooltip: {trigger: "axis", axisPointer: {type: "shadow"}}, legend: {top: 0}, grid: {left: 10, right: 40, top: 40, bottom: 10, containLabel: true},
      xAxis: {type: "value", name: "小时"}, yAxis: {type: "category", data: d.resources, axisLabel: {width: 220, overflow: "truncate"}},
      series: [{name: "本单位使用", type: "bar", stack: "h", data: d.res_own, color: OWN},
               {name: "其他单位使用", type: "bar", stack: "h", data: d.res_other, color: OTHER, barMaxWidth: 26}]
    });
  }
  var al = init("chart-alliance", d.alliances.length);
  if (al) {
    al.setOption({
      // valueFormatter's result is escaped by ECharts' own tooltip markup
      tooltip: {trigger: "axis", valueFormatter: function (v) { return v + "%"; }}, legend: {top: 0},
      grid: {left: 10, right: 40, top: 40, bottom: 10, containLabel: true},
      xAxis: {type: "value", max: 100, axisLabel: {formatter: "{value}%"}},
      yAxis: {type: "category", data: d.alliances, axisLabel: {width: 180, overflow: "truncate"}},
      series: [{name: "跨单位使用占比", type: "bar", data: d.alliance_other, color: OTHER, barMaxWidth: 16},
               {name: "其中成员单位间互用", type: "bar", data: d.alliance_inside, color: "#f59f00", barMaxWidth: 16}]
    });
  }
})();
