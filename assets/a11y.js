/* Kvalitetsvisaren: repairs of the markup of Dash 4's own components (dash 4.4.1) that
   axe-core reports as serious or critical WCAG 2.1 faults, and that no property of the
   components can change (tests/test_browser_a11y.py checks every level):

   - dcc.Dropdown puts a focusable <input aria-hidden="true"> before its button and keeps the
     button out of the Tab order (aria-hidden-focus). Here the button itself is in the Tab
     order and the hidden input out of it; Enter, the arrow keys and typing on the button
     open the list as before.
   - dcc.RadioItems and dcc.Checklist draw native radios and checkboxes inside
     role="option" labels of a role="listbox" without a name (nested-interactive,
     aria-input-field-name). The native controls in their <label>s say all that is needed:
     the ARIA roles are taken off, the radios' group is named by its <fieldset>.
   - dcc.Upload's file input has no label (label): it is named by the text of its zone.

   Dash re-renders its components, so this watches the page and repairs new markup too. */
(function () {
  "use strict";

  function fixDropdowns(root) {
    root.querySelectorAll(".dash-dropdown-focus-target").forEach(function (input) {
      if (input.tabIndex !== -1) {
        input.tabIndex = -1;
      }
      var button = input.nextElementSibling;
      if (button && button.matches("button.dash-dropdown") && !button.disabled) {
        if (button.tabIndex !== 0) {
          button.tabIndex = 0;
        }
      }
    });
  }

  function fixOptionLists(root) {
    root.querySelectorAll(".dash-radioitems, .dash-checklist").forEach(function (list) {
      if (list.hasAttribute("role")) {
        list.removeAttribute("role");
      }
      list.querySelectorAll(".dash-options-list-option").forEach(function (label) {
        if (label.hasAttribute("role")) {
          label.removeAttribute("role");
        }
        if (label.hasAttribute("aria-selected")) {
          label.removeAttribute("aria-selected");
        }
      });
    });
  }

  function fixUploads(root) {
    root.querySelectorAll("input[type=file]").forEach(function (input) {
      if (input.hasAttribute("aria-label") || input.hasAttribute("aria-labelledby")) {
        return;
      }
      var zone = input.parentElement;
      var text = zone ? zone.textContent.replace(/\s+/g, " ").trim() : "";
      input.setAttribute("aria-label", text || "Välj en fil");
    });
  }

  function fix() {
    fixDropdowns(document);
    fixOptionLists(document);
    fixUploads(document);
  }

  var pending = false;
  function schedule(records) {
    // plotly redraws its SVG on every hover: nothing there to repair
    var outside = records.some(function (r) {
      return !(r.target instanceof SVGElement);
    });
    if (outside && !pending) {
      pending = true;
      // before the browser paints, after React has finished this round of changes
      Promise.resolve().then(function () {
        pending = false;
        fix();
      });
    }
  }

  function start() {
    fix();
    new MutationObserver(schedule).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ["role", "aria-selected", "tabindex"],
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
