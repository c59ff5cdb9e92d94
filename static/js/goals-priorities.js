// The priority list is re-rendered by htmx after each up/down/make/remove button. Put the
// keyboard focus back on the button that was pressed (same id in the new list), or on the
// list's heading when that button is gone, so keyboard users keep their place.
(function () {
  "use strict";
  var pressedId = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var active = document.activeElement;
    var inList = event.target.closest && event.target.closest("#priorities");
    pressedId = inList && active && active.id ? active.id : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (pressedId === null) {
      return;
    }
    var target = document.getElementById(pressedId) || document.getElementById("priorities-h");
    pressedId = null;
    if (target) {
      target.focus();
    }
  });
})();
