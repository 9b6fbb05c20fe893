// A campaign's chart (Apache ECharts, served from static/vendor): the response rate of the invited against the
// held-out owners. The figures come from the element's data attributes (no inline script: the CSP forbids it).
(function () {
  "use strict";
  function draw() {
    var element = document.getElementById("campaign-chart");
    if (!element || typeof echarts === "undefined") {
      return;
    }
    var chart = echarts.init(element, null, {renderer: "svg"});
    chart.setOption({
      title: {text: element.dataset.title, left: "center", textStyle: {fontSize: 14}},
      animation: false,
      tooltip: {},
      xAxis: {type: "category", data: JSON.parse(element.dataset.labels)},
      yAxis: {type: "value", min: 0},
      series: [{type: "bar", data: JSON.parse(element.dataset.values).map(function (v) { return Math.round(v * 10) / 10; }),
                itemStyle: {color: "#0d6efd"}, label: {show: true, position: "top"}}]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  document.addEventListener("DOMContentLoaded", draw);
}());
