// A month-by-month line chart with ECharts (vendored, served by this site), for every page that shows a trend
// (the five assurances' cards, rescue's estimate error). The data is in the element's data-chart attribute, so
// the page needs no inline script: {months: ["2026-05", ...] (or dates), lines: [{name, values}], unit, min}.
// A "%" unit runs the axis from 0 to 100; otherwise `min` (when given) is its floor.
(function () {
  "use strict";

  function draw(element) {
    var data = JSON.parse(element.getAttribute("data-chart"));
    var percent = data.unit === "%";
    var chart = window.echarts.init(element, null, {renderer: "canvas"});
    chart.setOption({
      animation: false,
      grid: {left: 36, right: 8, top: 28, bottom: 24},
      legend: {top: 0, textStyle: {fontSize: 11}},
      tooltip: {trigger: "axis"},
      xAxis: {type: "category", data: data.months.map(function (month) { return month.slice(2, 7); })},
      yAxis: {type: "value", min: percent ? 0 : (data.min === undefined ? null : data.min), max: percent ? 100 : null},
      series: data.lines.map(function (line) {
        return {name: line.name, type: "line", data: line.values, connectNulls: false, showSymbol: true};
      })
    });
    element.setAttribute("data-drawn", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function start() {
    if (!window.echarts) { return; }
    document.querySelectorAll(".line-chart[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
