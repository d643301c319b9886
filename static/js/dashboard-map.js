// The dashboard's map: Leaflet with no tile layer (intranets have none). Grid polygons from
// /api/v1/grids/map/ (coloured by open and overdue cases) and buildings from
// /coverage/map/buildings.json (circles), both scoped by the server to the user and region.
(function () {
  function fetchJson(url) {
    if (!url) { return Promise.resolve(null); }
    return fetch(url, {credentials: 'same-origin'}).then(function (r) { return r.ok ? r.json() : null; });
  }

  function gridColour(props) {
    if (props.overdue > 0) { return '#d32f2f'; }
    if (props.open > 0) { return '#f0a202'; }
    return '#2e7d32';
  }

  function line(box, text) {
    const div = document.createElement('div');
    div.textContent = text;
    box.appendChild(div);
  }

  async function draw() {
    const box = document.getElementById('dashboard-map');
    if (!box || !window.L) { return; }
    const text = JSON.parse(document.getElementById('dashboard-map-text').textContent);
    const b = box.dataset.bounds.split(',').map(Number);
    const map = L.map(box, {attributionControl: false, zoomSnap: 0.25, preferCanvas: true});
    map.fitBounds(L.latLngBounds([b[0], b[1]], [b[2], b[3]]));
    const [grids, buildings] = await Promise.all([
      fetchJson(box.dataset.gridsUrl), fetchJson(box.dataset.buildingsUrl)
    ]);
    const extent = L.latLngBounds([]);
    let gridCount = 0;
    let buildingCount = 0;
    if (grids && grids.features) {
      const layer = L.geoJSON(grids, {
        style: function (f) {
          return {color: '#555', weight: 1, fillColor: gridColour(f.properties), fillOpacity: 0.35};
        },
        onEachFeature: function (f, shape) {
          shape.bindTooltip(f.properties.name + ' · ' + text.open + ' ' + f.properties.open +
                            ' · ' + text.overdue + ' ' + f.properties.overdue, {sticky: true});
        }
      }).addTo(map);
      gridCount = grids.features.length;
      if (gridCount) { extent.extend(layer.getBounds()); }
    }
    if (buildings && buildings.buildings) {
      buildings.buildings.forEach(function (building) {
        const marker = L.circleMarker([building.lat, building.lng], {
          radius: 3 + Math.min(4, Math.sqrt(building.enterprises || 0) / 2),
          color: '#333', weight: 1, fillColor: '#b71c1c', fillOpacity: 0.8,
          className: 'dashboard-building'
        });
        const popup = document.createElement('div');
        const title = document.createElement('strong');
        title.textContent = building.name;
        popup.appendChild(title);
        line(popup, text.enterprises + '：' + building.enterprises);
        line(popup, text.organization_rate + '：' +
             (building.organization_rate == null ? '—' : building.organization_rate + '%'));
        marker.bindPopup(popup);
        marker.addTo(map);
        extent.extend([building.lat, building.lng]);
      });
      buildingCount = buildings.buildings.length;
    }
    if (extent.isValid()) { map.fitBounds(extent.pad(0.1), {maxZoom: 16}); }
    const count = document.querySelector('[data-testid=dashboard-map-count]');
    if (count) {
      count.textContent = text.count.replace('%(grids)s', gridCount).replace('%(buildings)s', buildingCount);
    }
    box.dataset.loaded = gridCount + ',' + buildingCount;
  }
  document.addEventListener('DOMContentLoaded', draw);
})();
