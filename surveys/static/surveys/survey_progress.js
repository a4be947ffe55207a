// The survey's progress: "3 of 8 answered" as the person answers, counted on the page from the radios checked.
// Nothing is sent, stored or kept: the count lives in this page and goes with it. Without JavaScript the line
// says how many questions there are.
//
// The visible line changes on every answer. A screen reader hears it through a separate polite status, and only
// when the number answered has changed and has stayed so for a moment: moving through a question's options
// with the arrow keys selects each in turn, and a changed answer changes no count, so neither is announced;
// the radio's own "checked" is spoken first. Every question answered is said in full, once.
//
// The words come from the page, translated into its language and counted for its number of questions
// (data-answered, data-all, data-all-said on #survey-progress); "{answered}" is filled in here.
(function () {
  "use strict";
  var SETTLE_MS = 1000;
  var box = document.getElementById("survey-progress");
  if (!box) { return; }
  var form = box.closest("form");
  var text = document.getElementById("survey-progress-text");
  var bar = box.querySelector("progress");
  var said = document.getElementById("survey-progress-said");
  var groups = Array.prototype.slice.call(form.querySelectorAll("fieldset.question"));
  var total = groups.length;
  if (!total) { return; }
  var spoken = null;
  var timer = null;

  function answered() {
    return groups.filter(function (group) { return group.querySelector("input[type=radio]:checked"); }).length;
  }

  function words(count) {
    if (count === total) { return box.dataset.all; }
    return box.dataset.answered.replace("{answered}", String(count));
  }

  function announce() {
    var count = answered();
    if (count === spoken) { return; }
    spoken = count;
    said.textContent = count === total ? box.dataset.allSaid : words(count) + ".";
  }

  function show() {
    var count = answered();
    text.textContent = words(count);
    bar.value = count;
    return count;
  }

  form.addEventListener("change", function (event) {
    if (event.target.type !== "radio") { return; }
    show();
    window.clearTimeout(timer);
    timer = window.setTimeout(announce, SETTLE_MS);
  });

  // Back to the page from the browser's memory, or refilled by the browser: count what is checked now, quietly.
  window.addEventListener("pageshow", function () { spoken = show(); });
  bar.hidden = false;
  spoken = show();
})();
