// The dashboard's charts (ECharts, vendored): one figure per street (or community) chosen in
// #dashboard-chart-metric, and the two coverage rates, from the JSON the page embeds
// (#dashboard-chart-data). The table under the charts holds the same figures.
(function () {
  function bars(box, names, series, options) {
    const chart = window.echarts.init(box, null, {renderer: 'svg'});
    chart.setOption(Object.assign({
      color: ['#b71c1c', '#f0a202'],
      tooltip: {trigger: 'axis'},
      grid: {left: 56, right: 16, top: 32, bottom: 72},
      xAxis: {type: 'category', data: names, axisLabel: {interval: 0, rotate: names.length > 5 ? 30 : 0}},
      yAxis: {type: 'value', minInterval: 1},
      series: series
    }, options || {}));
    window.addEventListener('resize', function () { chart.resize(); });
    return chart;
  }

  function draw() {
    const source = document.getElementById('dashboard-chart-data');
    if (!source || !window.echarts) { return; }
    const data = JSON.parse(source.textContent);
    const box = document.getElementById('dashboard-chart');
    const select = document.getElementById('dashboard-chart-metric');
    if (box && select) {
      const series = function (index) {
        const metric = data.metrics[index];
        return [{name: metric.label, type: 'bar', barMaxWidth: 40, data: metric.values,
                 label: {show: data.names.length <= 15, position: 'top'}}];
      };
      const chart = bars(box, data.names, series(0), {legend: {top: 0}});
      select.addEventListener('change', function () {
        chart.setOption({series: series(Number(select.value))}, {replaceMerge: ['series']});
      });
      box.dataset.loaded = '1';
    }
    const coverage = document.getElementById('dashboard-coverage-chart');
    if (coverage) {
      const c = data.coverage;
      const percent = {show: data.names.length <= 15, position: 'top', formatter: '{c}%'};
      bars(coverage, data.names, [
        {name: c.labels.organization, type: 'bar', barMaxWidth: 40, data: c.organization, label: percent},
        {name: c.labels.work, type: 'bar', barMaxWidth: 40, data: c.work, label: percent}
      ], {
        legend: {top: 0},
        tooltip: {trigger: 'axis', valueFormatter: function (v) { return v == null ? '—' : v + '%'; }},
        yAxis: {type: 'value', min: 0, max: 100, axisLabel: {formatter: '{value}%'}}
      });
      coverage.dataset.loaded = '1';
    }
  }
  document.addEventListener('DOMContentLoaded', draw);
})();
