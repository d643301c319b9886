// The meeting form lists the members of the chosen organisation: choosing another one
// reloads the form for it, keeping what was typed (the form reads them as initial values).
(function () {
  'use strict';
  var form = document.querySelector('[data-meeting-form]');
  if (!form) { return; }
  var all = form.querySelector('[data-attendance-all]');
  if (all) {
    all.addEventListener('click', function () {
      form.querySelectorAll('select[name^="att_"]').forEach(function (select) {
        if (!select.value) { select.value = 'present'; }
      });
    });
  }
  var field = form.querySelector('[name="organization"]');
  if (!field) { return; }
  var loaded = form.getAttribute('data-organization') || '';
  var keep = ['kind', 'held_on', 'topic', 'place', 'host', 'minutes'];

  function reload() {
    var value = field.value || '';
    if (!value || value === loaded) { return; }
    var params = new URLSearchParams();
    params.set('organization', value);
    keep.forEach(function (name) {
      var input = form.querySelector('[name="' + name + '"]');
      if (input && input.value) { params.set(name, input.value); }
    });
    window.location.search = params.toString();
  }

  field.addEventListener('change', reload);
  // The autocomplete box (portal.js) fills the hidden input without a change event.
  form.addEventListener('click', function (event) {
    if (event.target.closest('.autocomplete-results')) { window.setTimeout(reload, 0); }
  });
})();
