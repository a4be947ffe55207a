// A form marked data-submit-once is sent once. Its answer shows something only once (a conversation key after
// "#", an API token): a second press on a slow network would replace the first navigation, and the page that
// carried it would never be seen. Later submits are refused while the first is under way, and the button says so.
// The button is not disabled: a disabled submitter would drop its name and value from the form data.
// Without JavaScript the form still posts as usual.
(function () {
  "use strict";
  var SENDING = "Sending\u2026";

  function submitter(form, event) {
    return event.submitter || form.querySelector("button[type=submit], button:not([type]), input[type=submit]");
  }

  function hold(form, button) {
    form.dataset.submitting = "true";
    if (!button) { return; }
    button.setAttribute("aria-disabled", "true");
    if (button.tagName === "BUTTON") {
      button.dataset.label = button.textContent;
      button.textContent = SENDING;
    }
  }

  function release(form) {
    delete form.dataset.submitting;
    form.querySelectorAll("[aria-disabled=true]").forEach(function (button) {
      button.removeAttribute("aria-disabled");
      if (button.dataset.label !== undefined) {
        button.textContent = button.dataset.label;
        delete button.dataset.label;
      }
    });
  }

  document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.submitting) {
        event.preventDefault();
        return;
      }
      hold(form, submitter(form, event));
    });
  });

  // Back to a page kept in the browser's memory (the first submit was answered, or stopped): it can be sent again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form[data-submit-once][data-submitting]").forEach(release);
  });
})();
