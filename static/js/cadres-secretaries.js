// The secretaries page's two charts (age and education structure) from the JSON the page
// embeds (#secretary-chart-data). ECharts is vendored, no CDN; no inline styles (CSP).
(function () {
  function bar(box, names, values, label) {
    box.style.height = '240px';
    const chart = window.echarts.init(box, null, {renderer: 'svg'});
    chart.setOption({
      color: ['#b71c1c'],
      tooltip: {trigger: 'axis'},
      grid: {left: 40, right: 16, top: 16, bottom: 48},
      xAxis: {type: 'category', data: names, axisLabel: {interval: 0, rotate: names.length > 5 ? 30 : 0}},
      yAxis: {type: 'value', minInterval: 1},
      series: [{name: label, type: 'bar', barMaxWidth: 40, data: values, label: {show: true, position: 'top'}}]
    });
    window.addEventListener('resize', function () { chart.resize(); });
  }
  function draw() {
    const source = document.getElementById('secretary-chart-data');
    if (!source || !window.echarts) { return; }
    const data = JSON.parse(source.textContent);
    const age = document.getElementById('secretary-age-chart');
    const education = document.getElementById('secretary-education-chart');
    if (age) { bar(age, data.age.names, data.age.values, data.labels.count); }
    if (education) { bar(education, data.education.names, data.education.values, data.labels.count); }
  }
  document.addEventListener('DOMContentLoaded', draw);
})();
