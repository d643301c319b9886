// The regional overview's chart: projects by status, from the JSON the page embeds
// (#regional-projects-data: {names, values}). ECharts is vendored, no CDN.
(function () {
  function draw() {
    const box = document.getElementById('regional-projects-chart');
    const source = document.getElementById('regional-projects-data');
    if (!box || !source || !window.echarts) { return; }
    const data = JSON.parse(source.textContent);
    box.style.height = '260px';
    const chart = window.echarts.init(box, null, {renderer: 'svg'});
    chart.setOption({
      animation: false,  // drawn at once: screenshots and screen readers see the figures
      color: ['#b71c1c'],
      tooltip: {trigger: 'axis'},
      grid: {left: 40, right: 16, top: 16, bottom: 32},
      xAxis: {type: 'category', data: data.names},
      yAxis: {type: 'value', minInterval: 1},
      series: [{type: 'bar', barMaxWidth: 48, data: data.values, label: {show: true, position: 'top'}}]
    });
    window.addEventListener('resize', function () { chart.resize(); });
  }
  document.addEventListener('DOMContentLoaded', draw);
})();
