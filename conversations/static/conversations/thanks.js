// A comment's author arrives with their conversation key after "#" (never sent to a server). Show it once as
// their private link, then drop it from this page's address so a reload or the history does not show it again.
(function () {
  "use strict";
  var key = window.location.hash.replace(/^#/, "");
  var section = document.getElementById("conversation");
  if (!key || !section || !/^[A-Za-z0-9_-]{20,100}$/.test(key)) { return; }
  var link = document.getElementById("conversation-link");
  var href = new URL(section.dataset.start, window.location.href).href + "#" + key;
  link.href = href;
  link.textContent = href;
  section.hidden = false;
  window.history.replaceState(null, "", window.location.pathname + window.location.search);
})();
