// Problem statistics: by category, by state and by month (data: #chart-data; absent when there are no problems).
(function () {
  "use strict";
  var d = LJCharts.data("chart-data");
  if (!d) { return; }
  var stateColours = ["#9aa0ac", "#4299e1", "#206bc4", "#ae3ec9", "#2fb344"];
  var category = LJCharts.init("chart-category");
  if (category) {
    category.setOption({
      tooltip: {trigger: "axis", axisPointer: {type: "shadow"}}, legend: {top: 0},
      grid: {left: 100, right: 30, top: 36, bottom: 24},
      xAxis: {type: "value", minInterval: 1}, yAxis: {type: "category", data: d.categories, inverse: true},
      series: [{name: "未解决", type: "bar", stack: "n", data: d.category_open, itemStyle: {color: "#f59f00"}},
               {name: "已解决", type: "bar", stack: "n", data: d.category_solved, itemStyle: {color: "#2fb344"}}]
    });
  }
  var state = LJCharts.init("chart-state");
  if (state) {
    state.setOption({
      tooltip: {trigger: "item", formatter: "{b}：{c} 个（{d}%）"}, legend: {bottom: 0},
      series: [{type: "pie", radius: ["40%", "68%"], center: ["50%", "45%"], label: {formatter: "{b}\n{c}"},
                data: d.states.map(function (s, i) { return {name: s, value: d.state_n[i], itemStyle: {color: stateColours[i]}}; })}]
    });
  }
  var month = LJCharts.init("chart-month");
  if (month) {
    month.setOption({
      tooltip: {trigger: "axis"}, legend: {top: 0}, grid: {left: 40, right: 20, top: 36, bottom: 24},
      xAxis: {type: "category", data: d.months}, yAxis: {type: "value", minInterval: 1},
      series: [{name: "提出", type: "bar", data: d.month_raised, itemStyle: {color: "#c8161d"}},
               {name: "解决", type: "bar", data: d.month_solved, itemStyle: {color: "#2fb344"}}]
    });
  }
})();
