// Fills the user-specific bits of cached pages: the cart count, the greeting
// and the CSRF token of add-to-cart forms, from one private request.
(function () {
  "use strict";
  fetch("/cart/summary", { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (summary) {
      if (!summary) { return; }
      document.querySelectorAll("[data-cart-count]").forEach(function (el) {
        el.textContent = summary.count ? "(" + summary.count + ")" : "";
      });
      document.querySelectorAll("[data-greeting]").forEach(function (el) {
        el.textContent = summary.greeting || "";
      });
      document.querySelectorAll("input[data-csrf-token]").forEach(function (el) {
        el.value = summary.csrf_token;
      });
    })
    .catch(function () { /* the page works without it */ });
})();
