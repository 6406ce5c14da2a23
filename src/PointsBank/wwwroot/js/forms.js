// A courtesy against double clicks: once a form that changes something (method="post") is sent, its submit buttons
// are disabled and the pressed one says "正在提交…" until the answer comes. The real guarantee is the form's one-time
// key (the hidden "key" field): the server does the thing once however often the form arrives. A form marked
// data-no-lock (one that answers with a download and leaves the page as it is) is left alone.
(function () {
  "use strict";
  var english = (document.documentElement.lang || "").toLowerCase().indexOf("en") === 0;
  var busyText = english ? "Sending…" : "正在提交…";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || (form.method || "").toLowerCase() !== "post" || form.hasAttribute("data-no-lock")) return;
    if (form.getAttribute("data-submitting") === "true") {
      event.preventDefault();
      return;
    }
    if (event.defaultPrevented) return;
    form.setAttribute("data-submitting", "true");
    var pressed = event.submitter;
    // Disabled after this turn, so the pressed button's own name and value still go with the form.
    setTimeout(function () {
      form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]").forEach(function (button) {
        button.disabled = true;
        if (button === pressed) {
          button.setAttribute("data-label", button.tagName === "INPUT" ? button.value : button.textContent);
          if (button.tagName === "INPUT") button.value = busyText; else button.textContent = busyText;
        }
      });
    }, 0);
    // No answer after a long wait (a dropped village connection): the button can be pressed again; the same key
    // makes that safe.
    setTimeout(function () { if (form.getAttribute("data-submitting") === "true") release(form); }, 20000);
  });

  function release(form) {
    form.removeAttribute("data-submitting");
    form.querySelectorAll("[data-label]").forEach(function (button) {
      if (button.tagName === "INPUT") button.value = button.getAttribute("data-label"); else button.textContent = button.getAttribute("data-label");
      button.removeAttribute("data-label");
    });
    form.querySelectorAll("button, input[type=submit]").forEach(function (button) { button.disabled = false; });
  }

  // Back to a page kept in the browser's cache: its forms can be used again (a new send carries the same key, and
  // the server answers what it answered the first time).
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-submitting]").forEach(release);
  });
})();
