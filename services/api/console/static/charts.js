// Draws the console's charts from the JSON block of the page (no inline script: the page's CSP forbids it).
// ECharts' accessibility is on: a generated description for screen readers and decal patterns, so that the
// series are told apart without colour.
document.addEventListener("DOMContentLoaded", function () {
  var block = document.getElementById("chart-data");
  if (!block || !window.echarts) { return; }
  var data = JSON.parse(block.textContent);
  document.querySelectorAll(".chart[data-series]").forEach(function (element) {
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    chart.setOption({
      aria: { enabled: true, decal: { show: true } },
      animation: false,
      tooltip: { trigger: "item" },
      legend: { bottom: 0 },
      series: [{ type: "pie", radius: ["35%", "65%"], data: data[element.dataset.series],
                 label: { formatter: "{b}: {c}" } }],
    });
    element.dataset.drawn = "true";
  });
});
