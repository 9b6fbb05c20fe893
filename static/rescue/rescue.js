// Rescue pages. The intake form saves itself through htmx on every change (its hx-post); a change not yet
// answered when the page is left or hidden goes by navigator.sendBeacon, so nothing typed is lost; a reason being
// typed in the proposal panel survives the panel's redraw by an autosave.
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

  // An autosave's answer redraws the proposal panel (the facts change who fits). What the dispatcher was typing
  // there (why not the first) is carried over to the same responder's new form, with the focus and the caret.
  function keepProposalTyping() {
    var kept = null;
    function panel() { return document.getElementById("intake-proposal"); }
    function inputOf(container, key) {
      var candidate = container.querySelector('[data-testid="' + key + '"]');
      return candidate ? candidate.querySelector("input[name=override_reason]") : null;
    }
    // The autosave's answer goes to #intake-status (its panels out of band): its swap events fire there.
    function isAutosave(event) { return event.target && event.target.id === "intake-status"; }
    document.addEventListener("htmx:beforeSwap", function (event) {
      var container = panel();
      if (!container || !isAutosave(event)) { return; }
      kept = {values: {}, focused: null};
      container.querySelectorAll("input[name=override_reason]").forEach(function (input) {
        var candidate = input.closest("[data-testid]");
        if (candidate && input.value) { kept.values[candidate.getAttribute("data-testid")] = input.value; }
        if (candidate && input === document.activeElement) {
          kept.focused = {key: candidate.getAttribute("data-testid"), start: input.selectionStart,
                          end: input.selectionEnd};
        }
      });
    });
    function restore() {
      var container = panel();
      if (!kept || !container) { return; }
      Object.keys(kept.values).forEach(function (key) {
        var input = inputOf(container, key);
        if (input && !input.value) { input.value = kept.values[key]; }
      });
      if (kept.focused) {
        var input = inputOf(container, kept.focused.key);
        if (input && document.activeElement !== input) {
          input.focus();
          input.setSelectionRange(kept.focused.start, kept.focused.end);
        }
      }
      kept = null;
    }
    document.addEventListener("htmx:afterSwap", function (event) {
      if (isAutosave(event)) { restore(); }
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
    if (form) { watchIntake(form); keepProposalTyping(); }
    var crew = document.querySelector("[data-position-url]");
    if (crew) { reportPosition(crew); }
  });
}());
