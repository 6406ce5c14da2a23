// 打印 buttons ([data-print]) on the print pages (a card, an A4 sheet of cards, the ranking poster): mobile browsers hide
// their own print command, so the page offers one. The button starts hidden and shows only when this script runs and
// the browser can print, so no button that does nothing is ever shown; print media hides it (.no-print).
(function () {
  "use strict";
  if (typeof window.print !== "function") return;
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
