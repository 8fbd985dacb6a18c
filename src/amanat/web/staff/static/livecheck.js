// The intake's "may already be recorded" list is asked for again as the volunteer types
// (htmx). When the desk cannot be reached or answers with an error, the list on the page
// was found for what was typed before: it is taken away, and a sentence says to press
// Check when the connection is back, so that no one chooses a person found for another
// name. What was typed stays. AGPL-3.0-or-later, as Amanat.
"use strict";
function amanatLiveCheckFailed(event) {
  const source = event.detail && event.detail.elt;
  if (!(source instanceof Element) || source.closest(".live-check") === null) {
    return;
  }
  const list = document.getElementById("similar");
  const said = document.getElementById("similar-offline");
  if (list === null || said === null) {
    return;
  }
  list.replaceChildren(said.content.cloneNode(true));
}
document.addEventListener("htmx:sendError", amanatLiveCheckFailed);
document.addEventListener("htmx:responseError", amanatLiveCheckFailed);
document.addEventListener("htmx:timeout", amanatLiveCheckFailed);
