// Sets the colour theme before the first paint, so a dark page never flashes white.
// Loaded without defer in <head>. The reader's choice (the toggle in the header, see
// reader.js) is kept in localStorage; without one the system setting decides.
(function () {
  var choice = null;
  try {
    choice = window.localStorage.getItem("kb-theme");
  } catch (error) {
    // Storage may be disabled; the system setting still applies.
  }
  if (choice !== "dark" && choice !== "light") {
    var media = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)");
    choice = media && media.matches ? "dark" : "light";
  }
  document.documentElement.setAttribute("data-theme", choice);
})();
