/* The frame's own behaviour, from a file: the pages' Content-Security-Policy runs no inline
 * script or handler (docs/security.md), so markup that ever slipped into a page through data
 * would run nothing. Loaded in the head, not deferred: the "js" class must be on before the
 * page is drawn (the bar folds behind the menu on a phone only when script can open it), and
 * the listeners sit on the document, so they need no element to exist yet. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest ? event.target.closest(".menu-toggle") : null;
    if (toggle) {
      var menu = document.getElementById(toggle.getAttribute("aria-controls"));
      if (menu) toggle.setAttribute("aria-expanded", String(menu.classList.toggle("open")));
    }
    /* A group of the bar open at a time; a click elsewhere closes it. */
    document.querySelectorAll("header details.group[open]").forEach(function (group) {
      if (!group.contains(event.target)) group.removeAttribute("open");
    });
  });

  /* A choice that takes effect when made (the language): its form is sent at once. */
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[data-submit]")) event.target.form.submit();
  });

  /* A form that must be sent once (a recharge): its button is off once it is on its way. */
  document.addEventListener("submit", function (event) {
    if (event.target.matches && event.target.matches("form[data-once]")) {
      var button = event.target.querySelector("button");
      if (button) button.disabled = true;
    }
  });
})();
