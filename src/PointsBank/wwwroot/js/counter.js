// The counter: the scan field keeps focus (a USB or Bluetooth scanner types the code and Enter into whatever has
// focus), the camera button appears only where the browser can read QR codes itself, and receipts print.
(function () {
  "use strict";
  var field = document.querySelector("[data-scan]");

  function refocus() {
    if (!field) return;
    var active = document.activeElement;
    var busy = active && active !== document.body && active !== field && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName);
    if (!busy) field.focus();
  }

  if (field) {
    field.focus();
    document.addEventListener("click", function () { setTimeout(refocus, 0); });
    window.addEventListener("focus", refocus);
    document.addEventListener("visibilitychange", refocus);
  }

  document.querySelectorAll("[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  var camera = document.querySelector("[data-camera]");
  var view = document.querySelector("[data-camera-view]");
  // The page's own words (Chinese first) for a camera that will not open: none there, permission refused, or in use.
  var cameraMessage = document.querySelector("[data-camera-message]");
  function cameraFailed() {
    camera.hidden = true;
    if (cameraMessage) {
      cameraMessage.hidden = false;
    }
    field.focus();
  }
  if (camera && view && field && "BarcodeDetector" in window && navigator.mediaDevices) {
    camera.hidden = false;
    camera.addEventListener("click", function () {
      var detector;
      try {
        detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      } catch (e) {
        cameraFailed();
        return;
      }
      if (cameraMessage) cameraMessage.hidden = true;
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
        view.srcObject = stream;
        view.hidden = false;
        view.play();
        function stop() { stream.getTracks().forEach(function (t) { t.stop(); }); view.hidden = true; }
        function look() {
          detector.detect(view).then(function (codes) {
            if (codes.length > 0) {
              stop();
              field.value = codes[0].rawValue;
              field.form.submit();
            } else {
              requestAnimationFrame(look);
            }
          }).catch(function () { requestAnimationFrame(look); });
        }
        look();
      }).catch(cameraFailed);
    });
  }
})();
