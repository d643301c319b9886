// The one search box (templates/search/box.html) and the search page (search/results.html).
// Live results as you type (the page's groups partial, fetched with HX-Request), arrow keys
// to move through the result links, Escape to go back to the box. A query shaped like an ID
// number or a mobile is not sent at all: it would land in a URL (and server logs); members
// are looked up by ID number through POST /api/v1/members/lookup/ only.
(function () {
  if (window.portalSearchBox) { return; }
  window.portalSearchBox = true;

  const SENSITIVE = /^(?:\d{15}|\d{17}[\dX]|(?:\+?86)?1[3-9]\d{9})$/;

  function sensitive(value) {
    return SENSITIVE.test(value.replace(/\s+/g, '').toUpperCase());
  }

  function links(container) {
    return container ? Array.from(container.querySelectorAll('a.search-result, [data-search-results] h2 a')) : [];
  }

  // Up/down through the links of ``container``; up from the first goes back to ``input``.
  function bindArrows(container, input, onEscape) {
    container.addEventListener('keydown', function (event) {
      const items = links(container);
      const index = items.indexOf(document.activeElement);
      if (index < 0) { return; }
      if (event.key === 'ArrowDown') {
        event.preventDefault();
        items[Math.min(index + 1, items.length - 1)].focus();
      } else if (event.key === 'ArrowUp') {
        event.preventDefault();
        if (index === 0) { input.focus(); } else { items[index - 1].focus(); }
      } else if (event.key === 'Escape' && onEscape) {
        event.preventDefault();
        onEscape();
      }
    });
  }

  function bindForm(form, results) {
    const input = form.querySelector('input[name=q]');
    const hint = form.querySelector('[data-search-hint]');
    const live = form.querySelector('[data-search-live]');
    let timer = null;
    let asked = '';

    function showHint(on) { if (hint) { hint.classList.toggle('d-none', !on); } }
    function closeLive() { if (live) { live.classList.add('d-none'); live.innerHTML = ''; asked = ''; } }

    form.addEventListener('submit', function (event) {
      if (sensitive(input.value)) { event.preventDefault(); showHint(true); }
    });
    input.addEventListener('keydown', function (event) {
      if (event.key === 'ArrowDown') {
        const first = links(live && !live.classList.contains('d-none') ? live : results)[0];
        if (first) { event.preventDefault(); first.focus(); }
      } else if (event.key === 'Escape') {
        closeLive();
      }
    });
    if (results) { bindArrows(results, input); }
    if (!live) {
      input.addEventListener('input', function () { showHint(sensitive(input.value)); });
      return;
    }
    bindArrows(live, input, function () { closeLive(); input.focus(); });
    input.addEventListener('input', function () {
      clearTimeout(timer);
      const value = input.value.trim();
      const blocked = sensitive(value);
      showHint(blocked);
      if (!value || blocked) { closeLive(); return; }
      timer = setTimeout(async function () {
        if (value === asked) { return; }
        asked = value;
        const response = await fetch(form.dataset.liveUrl + '?q=' + encodeURIComponent(value), {
          credentials: 'same-origin',
          headers: {'HX-Request': 'true'},
        });
        if (!response.ok || input.value.trim() !== value) { return; }
        live.innerHTML = await response.text();
        live.classList.remove('d-none');
      }, 300);
    });
    document.addEventListener('click', function (event) {
      if (!form.contains(event.target)) { closeLive(); }
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    const results = document.getElementById('search-results');
    document.querySelectorAll('form[data-search-form]').forEach(function (form) { bindForm(form, results); });
    document.querySelectorAll('form[data-search-box]').forEach(function (form) { bindForm(form, null); });
  });
})();
