/* Kvalitetsvisaren: typing on a closed picker (the municipality in the header) opens it and
   filters by what was typed, without losing letters. dcc.Dropdown (dash 4.4.1) reads the
   letters typed on its button from keyup: a reader who presses the next key before letting
   go of the last one (as everybody does when typing fast) loses letters once the focus has
   moved to the search field, so "Upps" became "Us" and Enter chose another municipality.
   Here each letter is handed to the dropdown on keydown, the moment it is typed, and the
   focus goes to the search field at once; what follows is typed there as usual, and Enter
   there chooses the first match. */
(function () {
  "use strict";
  var handed = {}; // keys handed on at keydown whose own keyup must not count twice

  function pickerButton(target) {
    return target instanceof Element && target.matches("button.dash-dropdown") ? target : null;
  }

  function searchField(button) {
    var wrapper = button.closest(".dash-dropdown-wrapper");
    return wrapper ? wrapper.querySelector("input.dash-dropdown-search") : null;
  }

  function printable(event) {
    return event.key.length === 1 && event.key !== " " && !event.ctrlKey && !event.metaKey &&
      !event.altKey;
  }

  window.addEventListener(
    "keydown",
    function (event) {
      var button = pickerButton(event.target);
      if (!button || button.disabled) {
        return;
      }
      if (event.key === "Enter" && button.getAttribute("aria-expanded") === "true") {
        // typed ahead of the focus: Enter belongs to the search field, which chooses
        var field = searchField(button);
        if (field && field.value) {
          field.focus();
        }
        return;
      }
      if (!printable(event)) {
        return;
      }
      event.preventDefault();
      event.stopPropagation();
      handed[event.key] = true;
      button.dispatchEvent(
        new KeyboardEvent("keyup", { key: event.key, bubbles: true, cancelable: true })
      );
      // after React has drawn the open list (its updates of this event run before this)
      Promise.resolve().then(function () {
        var field = searchField(button);
        if (field && document.activeElement !== field) {
          field.focus();
          field.setSelectionRange(field.value.length, field.value.length);
        }
      });
    },
    true
  );

  window.addEventListener(
    "keyup",
    function (event) {
      if (!event.isTrusted || !handed[event.key]) {
        return;
      }
      delete handed[event.key];
      if (pickerButton(event.target)) {
        event.stopPropagation(); // already handed on at keydown
      }
    },
    true
  );
})();
