/* Kvalitetsvisaren, level 2:3: the units chosen for the comparison, kept in the browser.
   A row's checkbox or a "Ta bort" button only changes the list of chosen units here (no
   request); the server is asked for the comparison once that list has changed
   (pages/units.py). Called too when Dash inserts new rows or buttons: nothing changed then,
   and nothing happens. The address follows the server's canonical URL of the view by
   history.replaceState: the comparison can be bookmarked, and no new page view is made. */
(function () {
  "use strict";

  function same(a, b) {
    return a.length === b.length && a.every(function (x, i) { return x === b[i]; });
  }

  function idOf(propId) {
    // '{"ou":"V15E…","type":"enheter-ta-bort"}.n_clicks' -> the id object (or its text)
    var text = propId.slice(0, propId.lastIndexOf("."));
    try {
      return JSON.parse(text);
    } catch (e) {
      return text;
    }
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    kvalitetsvisaren: {
      // This page's rows as checked now; the chosen units of other pages kept, in order.
      choose: function (values, rowIds, chosen) {
        var before = Array.isArray(chosen) ? chosen : [];
        var here = rowIds.map(function (id) { return id.ou; });
        var checked = [];
        values.forEach(function (v) { (v || []).forEach(function (ou) { checked.push(ou); }); });
        var after = before.filter(function (ou) {
          return here.indexOf(ou) < 0 || checked.indexOf(ou) >= 0;
        });
        checked.forEach(function (ou) {
          if (after.indexOf(ou) < 0) { after.push(ou); }
        });
        return same(before, after) ? window.dash_clientside.no_update : after;
      },

      // "Ta bort" takes one unit out, "Rensa jämförelsen" all of them.
      drop: function (dropClicks, clearClicks, chosen) {
        var noUpdate = window.dash_clientside.no_update;
        var before = Array.isArray(chosen) ? chosen : [];
        var clicked = (window.dash_clientside.callback_context.triggered || []).filter(
          function (t) { return t.value; }
        );
        if (!clicked.length) { return noUpdate; }
        var id = idOf(clicked[0].prop_id);
        var after = typeof id === "object" && id !== null
          ? before.filter(function (ou) { return ou !== id.ou; })
          : [];
        return same(before, after) ? noUpdate : after;
      },

      // "Visa alla enheter som tabell": the list ordered by the clicked chart's KPI.
      showAll: function () {
        var clicked = (window.dash_clientside.callback_context.triggered || []).filter(
          function (t) { return t.value; }
        );
        var id = clicked.length ? idOf(clicked[0].prop_id) : null;
        return id && typeof id === "object" && id.kpi
          ? id.kpi
          : window.dash_clientside.no_update;
      },

      keepAddress: function (href) {
        var here = window.location.pathname + window.location.search;
        if (typeof href === "string" && href.charAt(0) === "/" && href !== here) {
          window.history.replaceState(window.history.state, "", href);
        }
      }
    }
  });
})();
