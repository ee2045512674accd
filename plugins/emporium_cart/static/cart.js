// Fills the user-specific bits of cached pages (the cart count, the greeting
// and the CSRF token of add-to-cart forms) from two cookies the app (or, on a
// first visit, Varnish) sets whenever they change: emporium_shopper
// ("<count>.<issued epoch seconds>.<first name, percent-encoded>") and
// emporium_csrf. A page view costs the app nothing; /cart/summary is asked
// (and sets both afresh) only when the token is missing or the shopper
// cookie is over an hour old (another device may have changed the cart).
(function () {
  "use strict";
  var MAX_AGE = 3600;

  function cookie(name) {
    var found = document.cookie.split(/;\s*/).filter(function (pair) {
      return pair.indexOf(name + "=") === 0;
    })[0];
    return found === undefined ? null : found.slice(name.length + 1);
  }

  function shopper() {
    var value = cookie("emporium_shopper");
    if (!value) { return { count: 0, name: null, issued: null }; }
    var parts = value.split(".");
    var name = null;
    try { name = decodeURIComponent(parts.slice(2).join(".")) || null; } catch (e) { name = null; }
    return { count: parseInt(parts[0], 10) || 0, name: name, issued: parseInt(parts[1], 10) || 0 };
  }

  function show(count, greeting, token) {
    document.querySelectorAll("[data-cart-count]").forEach(function (el) {
      el.textContent = count ? "(" + count + ")" : "";
    });
    document.querySelectorAll("[data-greeting]").forEach(function (el) {
      el.textContent = greeting || "";
    });
    if (token) {
      document.querySelectorAll("input[data-csrf-token]").forEach(function (el) {
        el.value = token;
      });
    }
  }

  var state = shopper();
  var token = cookie("emporium_csrf");
  show(state.count, state.name ? "Hello, " + state.name : null, token);
  var stale = state.issued !== null && Date.now() / 1000 - state.issued > MAX_AGE;
  if (token && !stale) { return; }
  fetch("/cart/summary", { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (summary) {
      if (summary) { show(summary.count, summary.greeting, summary.csrf_token); }
    })
    .catch(function () { /* the page works without it */ });
})();
