// The sections strip scrolls sideways on a phone: show the current section on load, and each section
// a keyboard reaches in whole (the browser alone stops scrolling once a link is partly in view).
// Without this script the strip still scrolls by hand and every link still works.
(() => {
  const nav = document.querySelector("nav.sections");
  if (!nav) return;
  const reveal = (link) => link && link.scrollIntoView({ block: "nearest", inline: "nearest" });
  reveal(nav.querySelector("a[aria-current]"));
  nav.addEventListener("focusin", (event) => reveal(event.target));
})();
