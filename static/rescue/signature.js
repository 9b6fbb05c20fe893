/* The crew's page: the owner signs at hand-over on the phone (static/signature/pad.js). The drawing goes with the
 * "done" step; "the owner is not here" asks for the reason instead. The server checks both. */
(function () {
  "use strict";

  function setUp(form) {
    var absent = form.querySelector("[data-owner-absent]");
    var reason = form.querySelector("[data-owner-absent-reason]");
    var box = form.querySelector("[data-owner-present]");
    var signature = window.DealerSignature.attach(form, function () { return !(absent && absent.checked); });

    function showChoice() {
      var away = absent && absent.checked;
      if (reason) { reason.hidden = !away; reason.required = !!away; }
      if (box) { box.hidden = !!away; }
      signature.resize();
    }

    if (absent) { absent.addEventListener("change", showChoice); }
    showChoice();
  }

  function start() { document.querySelectorAll("form[data-testid=crew-completed]").forEach(setUp); }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
