// A comment's author arrives with their conversation key after "#" (never sent to a server). Show it once as
// their private link, with a button to copy it, then drop it from this page's address so a reload or the
// history does not show it again. Its words come translated in the section's data attributes.
(function () {
  "use strict";
  var key = window.location.hash.replace(/^#/, "");
  var section = document.getElementById("conversation");
  if (!key || !section || !/^[A-Za-z0-9_-]{20,100}$/.test(key)) { return; }
  var link = document.getElementById("conversation-link");
  var copy = document.getElementById("conversation-copy");
  var copied = document.getElementById("conversation-copied");
  var href = new URL(section.dataset.start, window.location.href).href + "#" + key;
  link.href = href;
  link.textContent = href;
  // Copying needs the clipboard API, which browsers give only to pages served over HTTPS (or from localhost).
  if (navigator.clipboard && window.isSecureContext) {
    copy.hidden = false;
    copy.addEventListener("click", function () {
      copied.textContent = "";
      navigator.clipboard.writeText(href).then(function () {
        copied.textContent = section.dataset.copied;
      }, function () {
        copied.textContent = section.dataset.copyFailed;
      });
    });
  }
  section.hidden = false;
  window.history.replaceState(null, "", window.location.pathname + window.location.search);
})();
