/* The owner's approval: a signature drawn on the advisor's screen (signature_pad) or a phone call.
 * The drawing goes into the form as a PNG data URL when it is sent; the server checks it is a PNG. */
(function () {
  "use strict";

  function setUp(form) {
    var canvas = form.querySelector("[data-signature-pad]");
    var input = form.querySelector("[data-signature-value]");
    var pad = canvas && window.SignaturePad ? new window.SignaturePad(canvas, {backgroundColor: "rgb(255, 255, 255)"}) : null;

    function method() {
      var checked = form.querySelector("input[name=method]:checked");
      return checked ? checked.value : "signature";
    }

    function resize() {
      if (!pad || canvas.offsetWidth === 0) {
        return;
      }
      // Draw at the screen's pixel density; keep what was drawn.
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      var strokes = pad.toData();
      canvas.width = canvas.offsetWidth * ratio;
      canvas.height = canvas.offsetHeight * ratio;
      canvas.getContext("2d").scale(ratio, ratio);
      pad.clear();
      pad.fromData(strokes);
    }

    function showMethod() {
      var chosen = method();
      form.querySelectorAll("[data-method]").forEach(function (section) {
        section.hidden = section.getAttribute("data-method") !== chosen;
      });
      resize();
    }

    form.querySelectorAll("input[name=method]").forEach(function (radio) {
      radio.addEventListener("change", showMethod);
    });
    // "The owner must sign" from the last try is not true any more once the owner signs: take it away then.
    function forgetSignatureError() {
      form.querySelectorAll("[data-signature-error]").forEach(function (error) { error.remove(); });
      var box = canvas && canvas.closest(".signature-box");
      if (box) {
        box.classList.remove("is-invalid");
      }
    }
    if (pad) {
      pad.addEventListener("endStroke", forgetSignatureError);
    }
    var clear = form.querySelector("[data-signature-clear]");
    if (clear && pad) {
      clear.addEventListener("click", function () { pad.clear(); });
    }
    form.addEventListener("submit", function () {
      if (input) {
        input.value = pad && method() === "signature" && !pad.isEmpty() ? pad.toDataURL("image/png") : "";
      }
    });
    window.addEventListener("resize", resize);
    showMethod();
  }

  document.querySelectorAll("form.approval-form").forEach(setUp);
})();
