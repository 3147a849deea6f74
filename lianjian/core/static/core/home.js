// Home page: the members pie (full and probationary); figures from the chart box's data attributes.
(function () {
  "use strict";
  var el = document.getElementById("member-chart");
  var chart = LJCharts.init(el);
  if (!chart) { return; }
  chart.setOption({
    tooltip: {trigger: "item", formatter: "{b}：{c} 名（{d}%）"},
    legend: {bottom: 0},
    color: ["#c8161d", "#f59f00"],
    series: [{type: "pie", radius: ["45%", "70%"], label: {formatter: "{b}\n{c}"},
      data: [{name: "正式党员", value: Number(el.dataset.full)}, {name: "预备党员", value: Number(el.dataset.probationary)}]}]
  });
})();
