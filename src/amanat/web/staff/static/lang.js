// The language links name the page to come back to (?next=/persons?q=...). After a
// search swapped the results in place and moved the address on, the links written with
// the page name the page as it was; on a click, they take the address as it is now, so
// switching the language keeps the search. (Only a path of this site: the server checks
// it again.) AGPL-3.0-or-later, as Amanat.
"use strict";
document.addEventListener("click", function (event) {
  const link = event.target instanceof Element ? event.target.closest("nav.languages a") : null;
  if (link === null) {
    return;
  }
  const to = new URL(link.href, window.location.href);
  to.searchParams.set("next", window.location.pathname + window.location.search);
  link.href = to.pathname + to.search;
});
