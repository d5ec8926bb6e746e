// Draws the diagrams of a page (```mermaid fences, rendered by markup/blocks.py as
// <div class="mermaid"> holding the diagram's text) with the Mermaid the site serves
// (static/vendor/mermaid/). Loaded, after Mermaid, only on pages that have a diagram.
//
// securityLevel "strict": Mermaid encodes the HTML in labels and ignores click handlers,
// and a diagram's own %%{init}%% directive cannot change that. The site's Content Security
// Policy (kb/csp.py) allows no inline script either; the SVG's styles are inline, which the
// policy's style-src allows.
//
// The colours follow the page's theme (theme.js, the toggle in the header): when the reader
// switches, the diagrams are drawn again from the text kept here.
(function () {
  "use strict";
  var mermaid = window.mermaid;
  var diagrams = Array.prototype.slice.call(document.querySelectorAll(".prose div.mermaid"));
  if (!mermaid || diagrams.length === 0) return;
  var sources = diagrams.map(function (diagram) {
    return diagram.textContent;
  });

  function theme() {
    return document.documentElement.getAttribute("data-theme") === "dark" ? "dark" : "default";
  }

  function settings() {
    return { startOnLoad: true, securityLevel: "strict", theme: theme() };
  }

  // startOnLoad: Mermaid draws every .mermaid element when the page has loaded.
  mermaid.initialize(settings());

  var drawn = theme();
  new MutationObserver(function () {
    if (theme() === drawn) return;
    drawn = theme();
    mermaid.initialize(settings());
    diagrams.forEach(function (diagram, index) {
      diagram.removeAttribute("data-processed");
      diagram.textContent = sources[index];
    });
    mermaid.run({ nodes: diagrams });
  }).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
})();
