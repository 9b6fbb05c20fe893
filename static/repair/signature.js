/* The owner's approval: a signature drawn on the advisor's screen (static/signature/pad.js) or a phone call. */
(function () {
  "use strict";

  function setUp(form) {
    function method() {
      var checked = form.querySelector("input[name=method]:checked");
      return checked ? checked.value : "signature";
    }
    var signature = window.DealerSignature.attach(form, function () { return method() === "signature"; });

    function showMethod() {
      var chosen = method();
      form.querySelectorAll("[data-method]").forEach(function (section) {
        section.hidden = section.getAttribute("data-method") !== chosen;
      });
      signature.resize();
    }

    form.querySelectorAll("input[name=method]").forEach(function (radio) {
      radio.addEventListener("change", showMethod);
    });
    // "The owner must sign" from the last try is not true any more once the owner signs: take it away then.
    function forgetSignatureError() {
      form.querySelectorAll("[data-signature-error]").forEach(function (error) { error.remove(); });
      var box = signature.canvas && signature.canvas.closest(".signature-box");
      if (box) {
        box.classList.remove("is-invalid");
      }
    }
    if (signature.pad) {
      signature.pad.addEventListener("endStroke", forgetSignatureError);
    }
    showMethod();
  }

  document.querySelectorAll("form.approval-form").forEach(setUp);
})();
