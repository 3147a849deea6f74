// Alliance page: member organisations by longitude/latitude (data: #scatter-data).
(function () {
  "use strict";
  var points = LJCharts.data("scatter-data");
  var chart = LJCharts.init("member-scatter");
  if (!chart || !points) { return; }
  var colors = {"牵头": "#c8161d", "内部": "#206bc4", "外部": "#ae3ec9"};
  chart.setOption({
    tooltip: {formatter: LJCharts.tooltip(function (p) { return p.data.name + "（" + p.data.role + "）"; })},
    grid: {left: 50, right: 90, top: 20, bottom: 40},
    xAxis: {type: "value", scale: true, name: "经度", nameLocation: "middle", nameGap: 25},
    yAxis: {type: "value", scale: true, name: "纬度"},
    series: [{type: "scatter", symbolSize: 14,
      data: points.map(function (p) { return {value: p.value, name: p.name, role: p.role, itemStyle: {color: colors[p.role]}}; }),
      // canvas text, not HTML: the short name beside each point
      label: {show: points.length <= 12, formatter: function (p) { return p.data.name.replace(/党(支部|委|总支)$/, ""); }, position: "right", fontSize: 11}}]
  });
})();
