// Grid maps, Leaflet with no tile layer (intranets have no tiles; a plain background):
// - #grid-boundary-map on a grid's page draws its boundary (JSON in #grid-boundary);
// - #grid-map is the district/street map: the polygons of /api/v1/grids/map/ coloured by
//   open and overdue cases, with a legend and popups (name, counts, link).
(function () {
  const COLOURS = {overdue: '#d32f2f', busy: '#f0a202', open: '#fdd835', none: '#2e7d32'};

  function band(props) {
    if (props.overdue > 0) { return 'overdue'; }
    if (props.open >= 5) { return 'busy'; }
    if (props.open > 0) { return 'open'; }
    return 'none';
  }

  function text(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function boundaryMap() {
    const box = document.getElementById('grid-boundary-map');
    if (!box || !window.L) { return; }
    const geometry = text('grid-boundary');
    const words = text('grid-map-text') || {};
    if (!geometry) {
      box.classList.add('d-flex', 'align-items-center', 'justify-content-center', 'text-muted');
      box.textContent = words.no_boundary || '';
      return;
    }
    const map = L.map(box, {attributionControl: false, zoomControl: true});
    const layer = L.geoJSON(geometry, {style: {color: '#b71c1c', weight: 2, fillOpacity: 0.15}});
    layer.addTo(map);
    map.fitBounds(layer.getBounds().pad(0.15));
    box.dataset.loaded = '1';
  }

  function popup(feature, words, url) {
    const props = feature.properties;
    const box = document.createElement('div');
    const title = document.createElement('strong');
    title.textContent = props.name + ' ';
    box.appendChild(title);
    const code = document.createElement('small');
    code.className = 'text-muted';
    code.textContent = props.code;
    box.appendChild(code);
    [[words.open, props.open], [words.overdue, props.overdue]].forEach(function (pair) {
      const line = document.createElement('div');
      line.textContent = pair[0] + '：' + pair[1];
      box.appendChild(line);
    });
    const link = document.createElement('a');
    link.href = url.replace('{id}', feature.id);
    link.textContent = words.view;
    box.appendChild(link);
    return box;
  }

  function legend(words) {
    const control = L.control({position: 'bottomright'});
    control.onAdd = function () {
      const box = L.DomUtil.create('div', 'bg-white border rounded p-2 small');
      box.dataset.testid = 'grid-map-legend';
      ['overdue', 'busy', 'open', 'none'].forEach(function (key) {
        const line = L.DomUtil.create('div', '', box);
        const swatch = L.DomUtil.create('span', 'd-inline-block me-1', line);
        swatch.style.cssText = 'width:12px;height:12px;background:' + COLOURS[key];
        line.appendChild(document.createTextNode(words.legend[key]));
      });
      return box;
    };
    return control;
  }

  async function gridMap() {
    const box = document.getElementById('grid-map');
    if (!box || !window.L) { return; }
    const words = text('grid-map-text');
    const map = L.map(box, {attributionControl: false, zoomSnap: 0.25, preferCanvas: true});
    map.setView([31.17, 121.44], 13);
    legend(words).addTo(map);
    const response = await fetch(box.dataset.url, {credentials: 'same-origin'});
    const data = await response.json();
    const layer = L.geoJSON(data, {
      style: function (feature) {
        return {color: '#555', weight: 1, fillColor: COLOURS[band(feature.properties)], fillOpacity: 0.55};
      },
      onEachFeature: function (feature, shape) {
        shape.bindPopup(function () { return popup(feature, words, data.detail_url); });
        shape.bindTooltip(feature.properties.name, {sticky: true});
      }
    }).addTo(map);
    if (data.features.length) { map.fitBounds(layer.getBounds().pad(0.05)); }
    const count = document.querySelector('[data-testid=grid-map-count]');
    if (count) { count.textContent = words.count.replace('%(count)s', data.features.length); }
    box.dataset.loaded = String(data.features.length);
  }

  document.addEventListener('DOMContentLoaded', function () {
    boundaryMap();
    gridMap();
  });
})();
