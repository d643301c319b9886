// The coverage report's bar chart: the two rates per street (or community, or building),
// from the JSON the page embeds (#coverage-chart-data). ECharts is vendored, no CDN.
(function () {
  function draw() {
    const box = document.getElementById('coverage-chart');
    const source = document.getElementById('coverage-chart-data');
    if (!box || !source || !window.echarts) { return; }
    const data = JSON.parse(source.textContent);
    const chart = window.echarts.init(box, null, {renderer: 'svg'});
    chart.setOption({
      color: ['#b71c1c', '#f0a202'],
      tooltip: {trigger: 'axis', valueFormatter: function (v) { return v == null ? '—' : v + '%'; }},
      legend: {top: 0},
      grid: {left: 48, right: 16, top: 36, bottom: 64},
      xAxis: {type: 'category', data: data.names, axisLabel: {interval: 0, rotate: data.names.length > 6 ? 30 : 0}},
      yAxis: {type: 'value', min: 0, max: 100, axisLabel: {formatter: '{value}%'}},
      series: [
        {name: data.labels.organization, type: 'bar', barMaxWidth: 48, data: data.organization, label: {show: data.names.length <= 15, position: 'top', formatter: '{c}%'}},
        {name: data.labels.work, type: 'bar', barMaxWidth: 48, data: data.work, label: {show: data.names.length <= 15, position: 'top', formatter: '{c}%'}}
      ]
    });
    window.addEventListener('resize', function () { chart.resize(); });
  }
  document.addEventListener('DOMContentLoaded', draw);
})();
