// The author's key travels after "#" (never sent to a server). On the landing page it fills the key box and
// posts it once; on the author's page, what they have already seen is remembered in this browser only.
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
    var count = parseInt(section.dataset.count, 10) || 0;
    var seen = 0;
    try { seen = parseInt(window.localStorage.getItem(name), 10) || 0; } catch (e) { seen = count; }
    var fresh = Math.max(0, count - seen);
    section.querySelectorAll("li[data-position]").forEach(function (item) {
      if (parseInt(item.dataset.position, 10) > seen) { item.classList.add("new"); }
    });
    var label = section.querySelector(".new-count");
    if (label) { label.textContent = fresh === 1 ? "1 new message since your last visit" : fresh + " new messages since your last visit"; }
    try { window.localStorage.setItem(name, String(count)); } catch (e) { /* private browsing: nothing kept */ }
  });
})();
