/* The crew's page: the owner signs at hand-over on the phone (signature_pad, vendored). The drawing goes with the
 * "done" step as a PNG data URL; "the owner is not here" asks for the reason instead. The server checks both. */
(function () {
  "use strict";

  function setUp(form) {
    var canvas = form.querySelector("[data-signature-pad]");
    var input = form.querySelector("[data-signature-value]");
    var absent = form.querySelector("[data-owner-absent]");
    var reason = form.querySelector("[data-owner-absent-reason]");
    var box = form.querySelector("[data-owner-present]");
    var pad = canvas && window.SignaturePad ? new window.SignaturePad(canvas, {backgroundColor: "rgb(255, 255, 255)"}) : null;

    function resize() {
      if (!pad || canvas.offsetWidth === 0) { return; }
      var ratio = Math.max(window.devicePixelRatio || 1, 1);  // draw at the screen's density; keep the strokes
      var strokes = pad.toData();
      canvas.width = canvas.offsetWidth * ratio;
      canvas.height = canvas.offsetHeight * ratio;
      canvas.getContext("2d").scale(ratio, ratio);
      pad.clear();
      pad.fromData(strokes);
    }

    function showChoice() {
      var away = absent && absent.checked;
      if (reason) { reason.hidden = !away; reason.required = !!away; }
      if (box) { box.hidden = !!away; }
      resize();
    }

    var clear = form.querySelector("[data-signature-clear]");
    if (clear && pad) { clear.addEventListener("click", function () { pad.clear(); }); }
    if (absent) { absent.addEventListener("change", showChoice); }
    form.addEventListener("submit", function () {
      if (input) { input.value = pad && !(absent && absent.checked) && !pad.isEmpty() ? pad.toDataURL("image/png") : ""; }
    });
    window.addEventListener("resize", resize);
    showChoice();
  }

  function start() { document.querySelectorAll("form[data-testid=crew-completed]").forEach(setUp); }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
