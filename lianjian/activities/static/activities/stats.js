// Activity statistics: count and person-times by type, month, organisation and alliance (data: #chart-data).
(function () {
  "use strict";
  var d = LJCharts.data("chart-data");
  if (!d) { return; }
  function bar(id, cats, n, p, horizontal) {
    var chart = LJCharts.init(id);
    if (!chart) { return; }
    var axisCat = {type: "category", data: cats, axisLabel: {interval: 0, rotate: horizontal ? 0 : 30}};
    chart.setOption({
      tooltip: {trigger: "axis"}, legend: {}, grid: {left: horizontal ? 160 : 40, right: 20, bottom: 60, containLabel: !horizontal},
      xAxis: horizontal ? {type: "value"} : axisCat, yAxis: horizontal ? axisCat : {type: "value"},
      series: [{name: "次数", type: "bar", data: n}, {name: "人次", type: "bar", data: p}]
    });
  }
  bar("chart-type", d.types, d.type_n, d.type_p, false);
  bar("chart-month", d.months, d.month_n, d.month_p, false);
  bar("chart-org", d.orgs, d.org_n, d.org_p, true);
  bar("chart-alliance", d.alliances, d.alliance_n, d.alliance_p, true);
})();
