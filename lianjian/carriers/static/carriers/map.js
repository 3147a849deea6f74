/*
 * 岗区队 map: a scatter of the carriers that have coordinates (lon/lat axes, no online
 * tiles). Names are data: the tooltip goes through LJCharts.tooltip, which escapes them.
 */
(function () {
  "use strict";
  var points = LJCharts.data("carrier-points");
  var chart = LJCharts.init("carrier-map");
  if (!points || !chart) { return; }
  var kinds = ["示范岗", "责任区", "突击队", "服务队"];
  chart.setOption({
    legend: {data: kinds, top: 0},
    grid: {left: 64, right: 24, top: 40, bottom: 48},
    xAxis: {type: "value", scale: true, name: "经度", nameLocation: "middle", nameGap: 28},
    yAxis: {type: "value", scale: true, name: "纬度", nameLocation: "middle", nameGap: 48},
    tooltip: {
      trigger: "item",
      formatter: LJCharts.tooltip(function (p) { return [p.data.name, p.data.kind + " · " + p.data.code]; })
    },
    series: kinds.map(function (kind) {
      return {
        name: kind,
        type: "scatter",
        symbolSize: 9,
        data: points.filter(function (pt) { return pt.kind === kind; })
      };
    })
  });
  chart.on("click", function (p) {
    if (p.data && p.data.code) { window.location.href = "/carriers/c/" + encodeURIComponent(p.data.code) + "/"; }
  });
})();
