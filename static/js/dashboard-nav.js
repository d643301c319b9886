// The left navigation (templates/base.html): marks the link of the page being shown
// (aria-current="page": the longest link path the address starts with, query included when
// the link has one) and, on wide screens, unfolds its section. On phones every section
// stays folded behind the menu button until tapped.
(function () {
  function current(nav) {
    const here = window.location.pathname + window.location.search;
    let best = null;
    let bestLength = -1;
    nav.querySelectorAll('a.nav-link[href]').forEach(function (link) {
      const url = new URL(link.href, window.location.href);
      const target = url.pathname + url.search;
      const matches = url.search ? here === target
        : (url.pathname === '/' ? window.location.pathname === '/' : window.location.pathname.startsWith(url.pathname));
      if (matches && target.length > bestLength) { best = link; bestLength = target.length; }
    });
    return best;
  }

  document.addEventListener('DOMContentLoaded', function () {
    const nav = document.getElementById('mainnav');
    if (!nav) { return; }
    const link = current(nav);
    if (!link) { return; }
    link.setAttribute('aria-current', 'page');
    const section = link.closest('.nav-sub');
    if (section && window.matchMedia('(min-width: 992px)').matches) {
      section.classList.add('show');
      const button = nav.querySelector('[aria-controls="' + section.id + '"]');
      if (button) { button.setAttribute('aria-expanded', 'true'); }
    }
  });
})();
