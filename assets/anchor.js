/* Kvalitetsvisaren: go to the URL's #anchor (a tile's /omrade/hemtjanst#kontakt, "Vem gör
   bättre?" to #lar-av-andra) once the content it names is there. The pages are a Dash
   single-page app: the content arrives by callback after the page has loaded or a link was
   followed, so the browser's own jump to the anchor finds nothing. This watches the page until
   the element appears, scrolls to it and gives it the focus (keyboard and screen-reader users
   land there too). A content update that replaces the element goes to the new one. */
(function () {
  "use strict";
  var reached = null; // the element of the URL's anchor we went to
  var reachedFor = null; // the URL it was for

  function reach() {
    var hash = window.location.hash;
    if (!hash || hash.length < 2) {
      return;
    }
    var href = window.location.href;
    if (reachedFor === href && reached && reached.isConnected) {
      return;
    }
    var target = document.getElementById(decodeURIComponent(hash.slice(1)));
    if (!target || target === reached) {
      return;
    }
    reached = target;
    reachedFor = href;
    target.scrollIntoView({ block: "start" });
    if (!target.hasAttribute("tabindex")) {
      target.setAttribute("tabindex", "-1");
    }
    target.focus({ preventScroll: true });
  }

  new MutationObserver(reach).observe(document.documentElement, {
    childList: true,
    subtree: true,
  });
  window.addEventListener("hashchange", reach);
  reach();
})();
