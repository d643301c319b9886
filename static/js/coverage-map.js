// The building map: Leaflet with no tile layer (intranets have no tiles), the district's
// bounding box as a frame, one circle marker per building coloured by its organisation
// coverage rate, a legend and popups. Data: the scoped JSON of coverage:map_data.
(function () {
  const COLOURS = {none: '#9e9e9e', low: '#d32f2f', mid: '#f0a202', high: '#2e7d32'};

  function band(building) {
    if (!building.enterprises || building.organization_rate == null) { return 'none'; }
    if (building.organization_rate < 50) { return 'low'; }
    if (building.organization_rate < 80) { return 'mid'; }
    return 'high';
  }

  function percent(value) { return value == null ? '—' : value + '%'; }

  function popup(building, text, url) {
    const box = document.createElement('div');
    const title = document.createElement('strong');
    title.textContent = building.name;
    box.appendChild(title);
    [
      [text.enterprises, building.enterprises],
      [text.organization_rate, percent(building.organization_rate)],
      [text.work_rate, percent(building.work_rate)]
    ].forEach(function (pair) {
      const line = document.createElement('div');
      line.textContent = pair[0] + '：' + pair[1];
      box.appendChild(line);
    });
    if (url) {
      const link = document.createElement('a');
      link.href = url.replace('{id}', building.id);
      link.textContent = text.open;
      box.appendChild(link);
    }
    return box;
  }

  function legend(text) {
    const control = L.control({position: 'bottomright'});
    control.onAdd = function () {
      const box = L.DomUtil.create('div', 'bg-white border rounded p-2 small');
      box.dataset.testid = 'coverage-map-legend';
      ['high', 'mid', 'low', 'none'].forEach(function (key) {
        const line = L.DomUtil.create('div', '', box);
        const dot = L.DomUtil.create('span', 'd-inline-block rounded-circle me-1', line);
        dot.style.cssText = 'width:10px;height:10px;background:' + COLOURS[key];
        line.appendChild(document.createTextNode(text.legend[key]));
      });
      return box;
    };
    return control;
  }

  async function draw() {
    const box = document.getElementById('coverage-map');
    if (!box || !window.L) { return; }
    const text = JSON.parse(document.getElementById('coverage-map-text').textContent);
    const b = box.dataset.bounds.split(',').map(Number);
    const district = L.latLngBounds([b[0], b[1]], [b[2], b[3]]);
    const map = L.map(box, {attributionControl: false, zoomSnap: 0.25});
    L.rectangle(district, {color: '#b71c1c', weight: 1, fill: false, dashArray: '4 4', interactive: false}).addTo(map);
    map.fitBounds(district);
    legend(text).addTo(map);

    const response = await fetch(box.dataset.url, {credentials: 'same-origin'});
    const data = await response.json();
    const points = [];
    data.buildings.forEach(function (building) {
      const colour = COLOURS[band(building)];
      const marker = L.circleMarker([building.lat, building.lng], {
        radius: 6 + Math.min(10, Math.sqrt(building.enterprises || 0)),
        color: '#333', weight: 1, fillColor: colour, fillOpacity: 0.85,
        className: 'coverage-marker coverage-' + band(building)
      });
      marker.bindPopup(popup(building, text, data.detail_url));
      marker.bindTooltip(building.name);
      marker.addTo(map);
      points.push([building.lat, building.lng]);
    });
    if (points.length) { map.fitBounds(L.latLngBounds(points).pad(0.2), {maxZoom: 16}); }
    const count = document.querySelector('[data-testid=coverage-map-count]');
    if (count) { count.textContent = text.count.replace('%(count)s', points.length); }
    box.dataset.loaded = String(points.length);
  }

  document.addEventListener('DOMContentLoaded', draw);
})();
