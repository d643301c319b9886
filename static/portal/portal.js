// Autocomplete for relation fields (portal/widgets/autocomplete.html): the hidden input
// carries the id, the visible search box asks /autocomplete/<model>/ (scoped like every list).
(function () {
  function bind(box) {
    const url = box.dataset.url;
    const hidden = box.querySelector('input[type=hidden]');
    const input = box.querySelector('.autocomplete-input');
    const results = box.querySelector('.autocomplete-results');
    let timer = null;
    input.addEventListener('input', function () {
      clearTimeout(timer);
      if (!input.value.trim()) { hidden.value = ''; results.innerHTML = ''; return; }
      timer = setTimeout(async function () {
        const response = await fetch(url + '?q=' + encodeURIComponent(input.value.trim()), {credentials: 'same-origin'});
        const data = await response.json();
        results.innerHTML = '';
        data.results.forEach(function (item) {
          const button = document.createElement('button');
          button.type = 'button';
          button.className = 'list-group-item list-group-item-action';
          button.textContent = item.text + (item.code ? ' · ' + item.code : '');
          button.addEventListener('click', function () {
            hidden.value = item.id; input.value = item.text; results.innerHTML = '';
          });
          results.appendChild(button);
        });
      }, 250);
    });
  }
  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('.autocomplete').forEach(bind);
  });
})();

// Selects marked data-autosubmit submit their form when changed (no inline onchange
// handlers: the Content-Security-Policy forbids them).
document.addEventListener('change', function (event) {
  const field = event.target.closest('[data-autosubmit]');
  if (field && field.form) { field.form.submit(); }
});
