/* A signature drawn on a touch screen (signature_pad, vendored), shared by the owner's approval at the front desk
 * (repair) and the hand-over on the rescue crew's phone. The canvas draws at the screen's pixel density and keeps
 * its strokes when the screen turns or the box appears; the drawing goes into the form as a PNG data URL when it
 * is sent, if `wanted()` says so. The server checks it is a PNG. */
window.DealerSignature = (function () {
  "use strict";

  function attach(form, wanted) {
    var canvas = form.querySelector("[data-signature-pad]");
    var input = form.querySelector("[data-signature-value]");
    var pad = canvas && window.SignaturePad ? new window.SignaturePad(canvas, {backgroundColor: "rgb(255, 255, 255)"}) : null;

    function resize() {
      if (!pad || canvas.offsetWidth === 0) { return; }
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      var strokes = pad.toData();
      canvas.width = canvas.offsetWidth * ratio;
      canvas.height = canvas.offsetHeight * ratio;
      canvas.getContext("2d").scale(ratio, ratio);
      pad.clear();
      pad.fromData(strokes);
    }

    var clear = form.querySelector("[data-signature-clear]");
    if (clear && pad) { clear.addEventListener("click", function () { pad.clear(); }); }
    form.addEventListener("submit", function () {
      if (input) { input.value = pad && wanted() && !pad.isEmpty() ? pad.toDataURL("image/png") : ""; }
    });
    window.addEventListener("resize", resize);
    return {pad: pad, canvas: canvas, resize: resize};
  }

  return {attach: attach};
}());
