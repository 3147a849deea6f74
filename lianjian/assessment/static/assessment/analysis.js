// Run analysis: the star distribution and the scatter of two dimensions (data: #chart-data, links: #urls).
(function () {
  "use strict";
  var d = LJCharts.data("chart-data");
  if (!d) { return; }
  var urls = document.getElementById("urls").dataset;
  var colors = {"veto": "#c8161d", "0": "#adb5bd"};
  var stars = LJCharts.init("chart-stars");
  if (stars) {
    stars.setOption({
      tooltip: {trigger: "axis"}, grid: {left: 40, right: 16, top: 16, bottom: 30},
      xAxis: {type: "category", data: d.distribution.map(function (r) { return r[0]; })},
      yAxis: {type: "value", minInterval: 1, name: "组织数"},
      series: [{type: "bar", barMaxWidth: 48, label: {show: true, position: "top"},
        data: d.distribution.map(function (r) { return {value: r[1], key: r[2], itemStyle: {color: colors[r[2]] || "#f59f00"}}; })}]
    });
    stars.on("click", function (p) { window.location = urls.ranking + "?stars=" + encodeURIComponent(p.data.key); });
  }
  var chart = LJCharts.init("chart-scatter");
  if (!chart) { return; }
  // a point: [x score, y score, org code, org name, stars, vetoed]
  var groups = [
    ["否决", function (p) { return p[5]; }],
    ["三星及以上", function (p) { return !p[5] && p[4] >= 3; }],
    ["一至二星", function (p) { return !p[5] && p[4] >= 1 && p[4] < 3; }],
    ["未评星", function (p) { return !p[5] && !p[4]; }]
  ];
  var palette = ["#c8161d", "#f59f00", "#4299e1", "#adb5bd"];
  chart.setOption({
    legend: {top: 0}, grid: {left: 56, right: 24, top: 36, bottom: 48},
    tooltip: {formatter: LJCharts.tooltip(function (p) {
      return [p.data[3] + "（" + p.data[2] + "）", d.x.name + "：" + p.data[0].toFixed(2), d.y.name + "：" + p.data[1].toFixed(2)];
    })},
    xAxis: {type: "value", name: d.x.name + "（满分 " + d.x.max + "）", nameLocation: "middle", nameGap: 28, max: d.x.max, scale: true},
    yAxis: {type: "value", name: d.y.name + "（满分 " + d.y.max + "）", nameLocation: "middle", nameGap: 40, max: d.y.max, scale: true},
    series: groups.map(function (g, i) {
      return {name: g[0], type: "scatter", symbolSize: 11, itemStyle: {color: palette[i]}, data: d.points.filter(g[1])};
    })
  });
  chart.on("click", function (p) { window.location = urls.detail.replace("ORG", encodeURIComponent(p.data[2])); });
})();
