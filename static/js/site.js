// Site frame behaviour: the phone menu toggle. Everything works without JavaScript (the menu is shown).
(() => {
  "use strict";
  const toggle = document.querySelector(".nav-toggle");
  const nav = document.getElementById("site-nav");
  if (!toggle || !nav) return;
  document.documentElement.classList.add("js");
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") === "true";
    toggle.setAttribute("aria-expanded", String(!open));
    nav.classList.toggle("open", !open);
  });
})();

// Shared helper: the CSRF token for fetch() calls that change state.
window.clusterHunt = window.clusterHunt || {};
window.clusterHunt.csrfToken = () => {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
};
