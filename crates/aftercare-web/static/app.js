// Small enhancements only: every page works without this file.
document.addEventListener("change", (e) => {
  const el = e.target;
  if (el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit") && el.form) {
    el.form.submit();
  }
});
// On narrow screens the navigation starts folded.
window.addEventListener("DOMContentLoaded", () => {
  const menu = document.querySelector("details.navmenu");
  if (menu && window.matchMedia("(max-width: 760px)").matches) menu.removeAttribute("open");
});
