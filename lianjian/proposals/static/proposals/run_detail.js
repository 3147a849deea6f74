// Scatter charts of a grouping run: all groups together, then one small chart per group (data: #group-series).
(function () {
  "use strict";
  var series = LJCharts.data("group-series");
  if (!series) { return; }
  function scatter(s, withName) {
    return {
      name: s.name, type: "scatter", data: s.data, itemStyle: {color: s.colour},
      symbolSize: function (value, p) { return p.data.lead ? 18 : 10; },
      emphasis: {focus: withName ? "series" : "none"}
    };
  }
  var axis = function (name) { return {type: "value", scale: true, name: name, nameLocation: "middle", nameGap: 28, splitLine: {lineStyle: {type: "dashed"}}}; };
  var tooltip = {formatter: LJCharts.tooltip(function (p) { return p.seriesName + "：" + p.data.name + (p.data.lead ? "（牵头）" : ""); })};
  var chart = LJCharts.init("all-scatter");
  if (chart) {
    chart.setOption({
      tooltip: tooltip,
      legend: {type: "scroll", top: 0},
      grid: {left: 55, right: 20, top: 40, bottom: 40},
      xAxis: axis("经度"), yAxis: axis("纬度"),
      series: series.map(function (s) { return scatter(s, true); })
    });
  }
  document.querySelectorAll(".group-scatter").forEach(function (el) {
    var s = series[Number(el.dataset.series)];
    var small = LJCharts.init(el);
    small.setOption({
      tooltip: tooltip,
      grid: {left: 50, right: 15, top: 10, bottom: 25},
      xAxis: {type: "value", scale: true, splitNumber: 3, splitLine: {show: false}, axisLabel: {hideOverlap: true}},
      yAxis: {type: "value", scale: true, splitNumber: 4, splitLine: {show: false}},
      series: [scatter(s, false)]
    });
  });
})();
