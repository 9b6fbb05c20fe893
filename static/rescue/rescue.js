// Rescue pages. The intake form saves itself through htmx on every change (its hx-post); a change not yet
// answered when the page is left or hidden goes by navigator.sendBeacon, so nothing typed is lost.
// The crew page reports the phone's position (WGS-84, as the browser gives it) while the job is open.
(function () {
  "use strict";

  function watchIntake(form) {
    var url = form.getAttribute("hx-post");
    var typed = 0;
    var sent = 0;
    var saved = 0;
    function changed() { typed += 1; }
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    form.addEventListener("htmx:beforeRequest", function () { sent = typed; });
    form.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.successful) { saved = Math.max(saved, sent); }
    });
    function flush() {
      if (saved === typed || !form.elements.caller_phone.value.trim()) { return; }
      saved = typed;
      navigator.sendBeacon(url, new FormData(form));
    }
    window.addEventListener("pagehide", flush);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") { flush(); }
    });
  }

  function reportPosition(element) {
    if (!navigator.geolocation) { return; }
    var url = element.getAttribute("data-position-url");
    var csrf = element.getAttribute("data-csrf");
    navigator.geolocation.watchPosition(function (position) {
      fetch(url, {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
        body: JSON.stringify({latitude: position.coords.latitude, longitude: position.coords.longitude})
      }).catch(function () { return null; });
    }, function () { return null; }, {enableHighAccuracy: true, maximumAge: 60000, timeout: 30000});
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("intake-form");
    if (form) { watchIntake(form); }
    var crew = document.querySelector("[data-position-url]");
    if (crew) { reportPosition(crew); }
  });
}());
