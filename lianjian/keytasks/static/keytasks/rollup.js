// Key-task roll-ups: mean progress against 序时进度 per owner organisation and per theme
// (data: #rollup-data from json_script; names are drawn by ECharts as canvas text, and the
// tooltip is built with LJCharts.tooltip, which escapes them).
(function () {
  "use strict";
  var d = LJCharts.data("rollup-data");
  if (!d) { return; }
  function draw(id, names, progress, expected) {
    var chart = LJCharts.init(id);
    if (!chart) { return; }
    chart.setOption({
      tooltip: {
        trigger: "axis", axisPointer: {type: "shadow"},
        formatter: LJCharts.tooltip(function (params) {
          var lines = [params[0].name];
          params.forEach(function (p) {
            lines.push(p.seriesName + "：" + (p.value === null || p.value === undefined ? "—" : p.value + "%"));
          });
          return lines;
        })
      },
      legend: {top: 0},
      grid: {left: 8, right: 24, top: 32, bottom: 8, containLabel: true},
      xAxis: {type: "value", max: 100, axisLabel: {formatter: "{value}%"}},
      yAxis: {type: "category", data: names, inverse: true, axisLabel: {width: 120, overflow: "truncate"}},
      series: [
        {name: "平均进度", type: "bar", data: progress, itemStyle: {color: "#206bc4"}},
        {name: "序时进度", type: "bar", data: expected, itemStyle: {color: "#adb5bd"}}
      ]
    });
  }
  draw("chart-orgs", d.orgs, d.org_progress, d.org_expected);
  draw("chart-themes", d.themes, d.theme_progress, d.theme_expected);
})();
