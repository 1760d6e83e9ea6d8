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
// Part number fields (`data-part-lookup`) fill their datalist from the server as the user
// types; without this file the datalist offers the first parts of the master.
let partLookup = null;
document.addEventListener("input", (e) => {
  const el = e.target;
  if (!(el instanceof HTMLInputElement) || !el.hasAttribute("data-part-lookup") || !el.list) return;
  const list = el.list;
  clearTimeout(partLookup);
  partLookup = setTimeout(async () => {
    try {
      const r = await fetch("/stock/ops/parts?q=" + encodeURIComponent(el.value.trim()), { credentials: "same-origin" });
      if (!r.ok) return;
      const parts = await r.json();
      list.replaceChildren(...parts.map((p) => {
        const o = document.createElement("option");
        o.value = p.part_number;
        o.textContent = p.name;
        return o;
      }));
    } catch (_) { /* keep the current list */ }
  }, 200);
});
// A "select all" box (`data-check-all="<form id>"`) ticks every row box of that form, and
// shows whether all, some or none of them are ticked.
document.addEventListener("change", (e) => {
  const el = e.target;
  if (!(el instanceof HTMLInputElement) || el.type !== "checkbox") return;
  const form = el.getAttribute("data-check-all") || el.getAttribute("form");
  if (!form) return;
  const boxes = [...document.querySelectorAll(`input[type=checkbox][form="${form}"]`)];
  const all = document.querySelector(`input[data-check-all="${form}"]`);
  if (el === all) {
    boxes.forEach((box) => { box.checked = el.checked; });
  } else if (all) {
    const ticked = boxes.filter((box) => box.checked).length;
    all.checked = ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
  }
});
// A form approving ticked rows (`data-confirm-selected`, its boxes carrying their value in
// minor units as `data-value`) asks before it sends: how many and what they are worth, as
// one click may order a page of parts. With none ticked it says so instead of sending.
document.addEventListener("submit", (e) => {
  const form = e.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm-selected")) return;
  // getAttribute, not form.id: the row boxes are named "id", and a form's named controls
  // shadow its properties.
  const id = form.getAttribute("id");
  const ticked = [...document.querySelectorAll(`input[type=checkbox][form="${id}"]:checked`)]
    .filter((box) => !box.hasAttribute("data-check-all"));
  if (ticked.length === 0) {
    e.preventDefault();
    window.alert(form.getAttribute("data-none-selected"));
    return;
  }
  const minor = ticked.reduce((sum, box) => sum + Number(box.getAttribute("data-value") || 0), 0);
  const sign = minor < 0 ? "-" : "";
  const abs = Math.abs(minor);
  const value = `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
  const ask = form.getAttribute("data-confirm-selected")
    .replace("{n}", String(ticked.length))
    .replace("{value}", value);
  if (!window.confirm(ask)) e.preventDefault();
});
