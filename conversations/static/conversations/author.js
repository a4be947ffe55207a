// The author's key travels after "#" (never sent to a server). On the landing page it fills the key box and
// posts it once; on the author's page, the last message they have seen is remembered in this browser only.
(function () {
  "use strict";
  var form = document.getElementById("author-open");
  if (form) {
    var key = decodeURIComponent(window.location.hash.replace(/^#/, ""));
    if (key && !document.querySelector("[role=alert]")) {
      document.getElementById("key").value = key;
      form.submit();
    }
    return;
  }
  document.querySelectorAll("section.thread[data-thread]").forEach(function (section) {
    var name = "align-seen-" + section.dataset.thread;
    var seen = 0;
    try { seen = parseInt(window.localStorage.getItem(name), 10) || 0; } catch (e) { seen = Infinity; }
    var last = 0;
    var fresh = 0;
    section.querySelectorAll("li[data-position]").forEach(function (item) {
      var position = parseInt(item.dataset.position, 10);
      last = Math.max(last, position);
      if (position > seen && item.dataset.side !== "author") {
        item.classList.add("new");
        fresh += 1;
      }
    });
    var label = section.querySelector(".new-count");
    // The words come translated from the page (data-one, data-many with "{count}").
    if (label) { label.textContent = fresh === 1 ? label.dataset.one : label.dataset.many.replace("{count}", String(fresh)); }
    try { window.localStorage.setItem(name, String(last)); } catch (e) { /* private browsing: nothing kept */ }
  });
})();
