// The network picture: alliances and organisations as a force graph (data: #graph-data).
(function () {
  "use strict";
  var g = LJCharts.data("graph-data");
  var chart = LJCharts.init("network-graph");
  if (!chart || !g) { return; }
  chart.setOption({
    color: ["#c8161d", "#206bc4", "#ae3ec9"],
    tooltip: {formatter: LJCharts.tooltip(function (p) {
      if (p.dataType !== "node") { return null; }
      var d = p.data;
      return [d.name, d.type ? d.type + (d.theme ? " · " + d.theme : "") : (d.kind || "")];
    })},
    legend: [{data: g.categories.map(function (c) { return c.name; }), top: 0}],
    series: [{
      type: "graph", layout: "force", roam: true, draggable: true,
      data: g.nodes, links: g.links, categories: g.categories,
      force: {repulsion: 140, edgeLength: [40, 110], gravity: 0.08},
      // canvas text, not HTML: alliances are labelled, organisations on hover
      label: {show: true, position: "right", fontSize: 11, formatter: function (p) { return p.data.category === 0 ? p.data.name : ""; }},
      lineStyle: {color: "source", opacity: 0.5}, emphasis: {focus: "adjacency", label: {show: true, formatter: "{b}"}}
    }]
  });
  chart.on("click", function (p) { if (p.dataType === "node" && p.data.url) { window.location.href = p.data.url; } });
})();
