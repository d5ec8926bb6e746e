// MathJax 3 configuration, served by the site (no inline script, no CDN).
// Only elements of class "arithmatex" are typeset: the rendering pipeline wraps every
// formula in one, with \( \) for inline and \[ \] for display math. The ui/safe
// extension neutralises \href{javascript:...}, \style, \class and \cssId in TeX.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"]],
    displayMath: [["\\[", "\\]"]],
    processEscapes: false,
    processEnvironments: true,
  },
  options: {
    ignoreHtmlClass: ".*|",
    processHtmlClass: "arithmatex",
  },
  loader: {
    load: ["ui/safe"],
  },
};
