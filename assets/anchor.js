/* Kvalitetsvisaren: go to the URL's #anchor (a tile's /omrade/hemtjanst#kontakt, "Vem gör
   bättre?" to #lar-av-andra) once the content it names is there. The pages are a Dash
   single-page app: the content arrives by callback after the page has loaded or a link was
   followed, so the browser's own jump to the anchor finds nothing. This watches the page until
   the element appears, scrolls to it and gives it the focus (keyboard and screen-reader users
   land there too). While dcc.Loading still hides the new content the focus does not take:
   it is tried again as the page settles, until it takes, for a moment at most, and never
   after the reader has clicked, typed or scrolled. */
(function () {
  "use strict";
  var SETTLE_MS = 3000;
  var reached = null; // the element of the URL's anchor we went to
  var reachedFor = null; // the URL it was for
  var until = 0; // until when the focus is tried again

  function settle(target) {
    target.scrollIntoView({ block: "start" });
    target.focus({ preventScroll: true });
    if (document.activeElement === target) {
      until = 0; // it took: done
    }
  }

  function reach() {
    var hash = window.location.hash;
    if (!hash || hash.length < 2) {
      return;
    }
    var href = window.location.href;
    if (reachedFor === href && reached && reached.isConnected) {
      if (document.activeElement !== reached && Date.now() < until) {
        settle(reached);
      }
      return;
    }
    var target = document.getElementById(decodeURIComponent(hash.slice(1)));
    if (!target) {
      return;
    }
    reached = target;
    reachedFor = href;
    if (!target.hasAttribute("tabindex")) {
      target.setAttribute("tabindex", "-1");
    }
    until = Date.now() + SETTLE_MS;
    settle(target);
  }

  new MutationObserver(reach).observe(document.documentElement, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: ["style", "class"],
  });
  ["pointerdown", "keydown", "wheel", "touchstart"].forEach(function (name) {
    window.addEventListener(name, function () { until = 0; }, { capture: true, passive: true });
  });
  window.addEventListener("hashchange", reach);
  reach();
})();
