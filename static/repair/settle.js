/* The settlement page: "still to pay" follows the amounts as the cashier types them, points off included
   (integer fen, no floats). */
(function () {
  "use strict";
  var output = document.querySelector("[data-still-to-pay]");
  if (!output) { return; }
  var form = output.closest("form");
  var total = parseInt(output.getAttribute("data-total-fen"), 10);

  function fen(text) {  // "1,280.5" / "¥99" -> 128050 / 9900; null when it is not an amount
    var clean = (text || "").replace(/[,\s¥￥]/g, "");
    if (clean === "") { return 0; }
    var match = /^(\d+)(?:\.(\d{0,2}))?$/.exec(clean);
    if (!match) { return null; }
    return parseInt(match[1], 10) * 100 + parseInt(((match[2] || "") + "00").slice(0, 2), 10);
  }

  function yuan(value) {
    var whole = Math.floor(value / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return whole + "." + ("0" + (value % 100)).slice(-2);
  }

  function update() {
    var paid = 0;
    var valid = true;
    form.querySelectorAll("input[name$='-amount'], input[name='points']").forEach(function (input) {
      var amount = fen(input.value);
      if (amount === null) { valid = false; } else { paid += amount; }
    });
    var left = total - paid;
    output.classList.toggle("text-danger", !valid || left < 0);
    output.classList.toggle("text-success", valid && left === 0);
    output.textContent = !valid ? "?" : (left < 0 ? "-" : "") + "¥" + yuan(Math.abs(left));
  }

  form.addEventListener("input", update);
  update();
})();
