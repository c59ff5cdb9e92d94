// A refused htmx form (400 or 422: the form with its errors) swaps into the form's own target,
// like a success would; the rest of the page stays. Without this, htmx drops 4xx responses
// silently, and django-htmx's debug helper replaced the whole page with the bare fragment.
(function () {
  "use strict";
  var SHOWN_IN_PLACE = { 400: true, 422: true };

  // Registered on <html>, below `document` where the debug helper listens, so it runs first.
  document.documentElement.addEventListener("htmx:beforeOnLoad", function (event) {
    if (SHOWN_IN_PLACE[event.detail.xhr.status]) { event.stopPropagation(); }
  });

  document.documentElement.addEventListener("htmx:beforeSwap", function (event) {
    if (SHOWN_IN_PLACE[event.detail.xhr.status]) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // After the swap, move the focus to the first field marked invalid in what came in, so a
  // keyboard or screen-reader user hears what was refused.
  document.documentElement.addEventListener("htmx:afterSettle", function (event) {
    if (!SHOWN_IN_PLACE[event.detail.xhr && event.detail.xhr.status]) { return; }
    var target = event.detail.target;
    var invalid = target && target.querySelector("[aria-invalid='true']");
    if (invalid) { invalid.focus(); }
  });
})();
