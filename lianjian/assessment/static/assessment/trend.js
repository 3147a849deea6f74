// Scheme trend: score rate per dimension (lines) and the mean total (bars) per period (data: #chart-data).
(function () {
  "use strict";
  var d = LJCharts.data("chart-data");
  var el = document.getElementById("chart-trend");
  var chart = LJCharts.init(el);
  if (!d || !chart) { return; }
  var series = d.dims.map(function (s) {
    return {name: s.name + "得分率", type: "line", data: s.values, smooth: false, symbolSize: 8, connectNulls: false};
  });
  series.push({name: el.dataset.totalLabel, type: "bar", yAxisIndex: 1, data: d.totals, barMaxWidth: 36,
               itemStyle: {color: "rgba(200,22,29,.18)"}});
  chart.setOption({
    tooltip: {trigger: "axis"}, legend: {top: 0}, grid: {left: 48, right: 56, top: 40, bottom: 30},
    xAxis: {type: "category", data: d.periods},
    yAxis: [{type: "value", name: "得分率 %", min: 0, max: 100}, {type: "value", name: "总分", min: 0}],
    series: series
  });
})();
