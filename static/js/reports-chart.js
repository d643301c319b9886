// A question report's chart: bars (or a pie) from the JSON the page embeds
// (#report-chart-data: {type, names, values}). ECharts is vendored, no CDN.
(function () {
  function draw() {
    const box = document.getElementById('report-chart');
    const source = document.getElementById('report-chart-data');
    if (!box || !source || !window.echarts) { return; }
    const data = JSON.parse(source.textContent);
    const chart = window.echarts.init(box, null, {renderer: 'svg'});
    if (data.type === 'pie') {
      chart.setOption({
        animation: false,  // drawn at once: screenshots and screen readers see the figures
        color: ['#b71c1c', '#f0a202', '#5470c6', '#91cc75', '#73c0de'],
        tooltip: {trigger: 'item'},
        legend: {top: 0},
        series: [{
          type: 'pie', radius: ['35%', '65%'], top: 24,
          label: {formatter: '{b}：{c}'},
          data: data.names.map(function (name, i) { return {name: name, value: data.values[i]}; })
        }]
      });
    } else {
      chart.setOption({
        animation: false,  // drawn at once: screenshots and screen readers see the figures
        color: ['#b71c1c'],
        tooltip: {trigger: 'axis'},
        grid: {left: 48, right: 16, top: 16, bottom: 72},
        xAxis: {type: 'category', data: data.names, axisLabel: {interval: 0, rotate: data.names.length > 5 ? 30 : 0}},
        yAxis: {type: 'value', minInterval: 1},
        series: [{type: 'bar', barMaxWidth: 48, data: data.values, label: {show: true, position: 'top'}}]
      });
    }
    window.addEventListener('resize', function () { chart.resize(); });
  }
  document.addEventListener('DOMContentLoaded', draw);
})();
