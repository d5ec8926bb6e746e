// MathJax 3 configuration, served by the site (no inline script, no CDN).
// Only elements of class "arithmatex" are typeset: the rendering pipeline wraps every
// formula in one, with \( \) for inline and \[ \] for display math. The ui/safe
// extension neutralises \href{javascript:...}, \style, \class and \cssId in TeX.
//
// ui/safe does not bound sizes: \rule{100000em}{100000em} or \raise{2000px}{...} would
// make a formula as large as the page, or move it over the page's header. Below, the
// same filter that checks URLs and styles also bounds every length a formula can set
// (spaces, rules, shifts, padding, table spacing, stretchy delimiter sizes), whatever
// TeX command or extension (\require) made it. The CSS (site.css, admin.css) clips each
// formula to its own box as the guarantee; these bounds keep legitimate output clear of
// that clip.
(function () {
  "use strict";

  // The longest length, in em, across (width, spaces) and up or down (heights, depths,
  // shifts, row spacing, delimiter sizes). 40em is about the text column's width; 20em
  // (some 340 pixels) is far taller than any strut, rule or \\[gap] in real notes.
  var MAX_ACROSS = 40;
  var MAX_UPDOWN = 20;

  // MathJax's own units (util/lengths.ts), in em: px at its 16px em, 96px to the inch.
  var EMS = { em: 1, ex: 0.431, pt: 0.1, pc: 1.2, mu: 1 / 18, px: 1 / 16, in: 6, cm: 6 / 2.54, mm: 0.6 / 2.54 };
  // A number with a unit, or a multiple of the content's own size (MathML's %, the
  // mpadded pseudo-units, a bare number), optionally signed ("+" and "-" mean "add to").
  var LENGTH = /^([-+]?)(\d+(?:\.\d*)?|\.\d+)?(em|ex|px|pt|pc|in|cm|mm|mu|%|width|height|depth)?$/;
  var NAMED = {
    auto: true, fit: true, thin: true, medium: true, thick: true, normal: true,
    veryverythinmathspace: true, verythinmathspace: true, thinmathspace: true, mediummathspace: true,
    thickmathspace: true, verythickmathspace: true, veryverythickmathspace: true,
    negativeveryverythinmathspace: true, negativeverythinmathspace: true, negativethinmathspace: true,
    negativemediummathspace: true, negativethickmathspace: true, negativeverythickmathspace: true,
    negativeveryverythickmathspace: true,
  };

  function trim(number) {
    return String(Math.round(number * 1000) / 1000);
  }

  // One length within [-limit, limit] em (relative ones within one times their base),
  // or null when it is not a length this filter understands.
  function bound(token, limit, infinityAllowed) {
    if (NAMED[token] === true || (infinityAllowed && token === "infinity")) {
      return token;
    }
    var match = LENGTH.exec(token);
    if (!match || (match[2] === undefined && !/^(width|height|depth)$/.test(match[3] || ""))) {
      return null;
    }
    var sign = match[1];
    var number = match[2] === undefined ? 1 : parseFloat(match[2]);
    var unit = match[3] || "";
    if (Object.prototype.hasOwnProperty.call(EMS, unit)) {
      return number * EMS[unit] <= limit ? token : sign + trim(limit) + "em";
    }
    // Relative to the content (or, for %, to the default): at most once itself, so that
    // nesting cannot multiply a size up.
    var most = unit === "%" ? 100 : 1;
    return number <= most ? token : sign + trim(most) + unit;
  }

  // A filter for ui/safe: every space-separated length of an attribute's value bounded;
  // the attribute dropped (MathJax's default applies) when any part is not a length.
  function lengthFilter(limit, infinityAllowed) {
    return function (safe, value) {
      var parts = String(value).trim().split(/\s+/);
      for (var i = 0; i < parts.length; i++) {
        parts[i] = bound(parts[i], limit, infinityAllowed);
        if (parts[i] === null) {
          return null;
        }
      }
      return parts.join(" ");
    };
  }

  var BOUNDED = {
    kbAcross: ["width", "lspace", "rspace", "columnspacing", "columnwidth", "framespacing", "minlabelspacing"],
    kbUpDown: ["height", "depth", "voffset", "rowspacing", "minsize", "linethickness"],
    kbMaxSize: ["maxsize"],
  };

  function boundLengths() {
    var safe = MathJax.startup.document.safe;
    safe.filterMethods.kbAcross = lengthFilter(MAX_ACROSS, false);
    safe.filterMethods.kbUpDown = lengthFilter(MAX_UPDOWN, false);
    safe.filterMethods.kbMaxSize = lengthFilter(MAX_UPDOWN, true);
    Object.keys(BOUNDED).forEach(function (method) {
      BOUNDED[method].forEach(function (attribute) {
        safe.filterAttributes.set(attribute, method);
      });
    });
  }

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
    startup: {
      // Before the first typeset (the page's, and every preview's after it).
      ready: function () {
        MathJax.startup.defaultReady();
        boundLengths();
      },
    },
  };
})();
