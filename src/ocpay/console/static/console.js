// Live parts of a page: every element with data-live="NAME" is refreshed from the same page's
// ?fragment=NAME every few seconds (server-rendered, escaped HTML). No build step, no framework.
(function () {
  "use strict";
  var PERIOD = 2500;
  function url(name) {
    var u = new URL(window.location.href);
    u.searchParams.set("fragment", name);
    return u.toString();
  }
  function refresh(el) {
    var name = el.getAttribute("data-live");
    return fetch(url(name), { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) {
        if (r.status === 401 || r.redirected) { window.location.reload(); return null; }
        return r.ok ? r.text() : null;
      })
      .then(function (html) {
        if (html !== null && html !== el.innerHTML) { el.innerHTML = html; }
        document.body.setAttribute("data-refreshed", String(Date.now()));
      })
      .catch(function () { /* offline for a moment: try again on the next tick */ });
  }
  function tick() {
    if (document.hidden) { return; }
    document.querySelectorAll("[data-live]").forEach(refresh);
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (document.querySelector("[data-live]")) { setInterval(tick, PERIOD); }
  });
})();
