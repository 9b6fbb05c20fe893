// The rescue figures: the estimate's error by month (median and 90th percentile) as an ECharts line (vendored,
// served by this site). The data is in the element's data-chart attribute, so the page needs no inline script.
(function () {
  "use strict";

  function draw(element) {
    var data = JSON.parse(element.getAttribute("data-chart"));
    var chart = window.echarts.init(element, null, {renderer: "canvas"});
    chart.setOption({
      animation: false,
      grid: {left: 36, right: 8, top: 28, bottom: 24},
      legend: {top: 0, textStyle: {fontSize: 11}},
      tooltip: {trigger: "axis"},
      xAxis: {type: "category", data: data.months.map(function (month) { return month.slice(2, 7); })},
      yAxis: {type: "value", min: 0},
      series: data.lines.map(function (line) {
        return {name: line.name, type: "line", data: line.values, connectNulls: false, showSymbol: true};
      })
    });
    element.setAttribute("data-drawn", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function start() {
    if (!window.echarts) { return; }
    document.querySelectorAll(".rescue-chart[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
