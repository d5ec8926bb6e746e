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
//
// On the site's pages (includes/mathjax.html, in <head>) this script also starts MathJax, after
// the first paint, in a worker whose script is this same file ("MathJax in a worker" below):
// MathJax's parts (startup.js, then core, TeX input, CHTML output, assistive MathML, ui/safe;
// not the context menu) are evaluated there, off the page's main thread, and each formula is
// turned into CHTML there too. The page typesets on demand ("Typesetting on demand" below).
// Where no worker can run, the page loads those parts itself. The admin's editor loads the
// full bundle itself and typesets its preview with this same configuration.
(function () {
  "use strict";

  // This file is also the script of the worker that typesets the site's pages ("MathJax in a
  // worker" below): there is no document there.
  var inWorker = typeof document === "undefined";
  var script = inWorker ? null : document.currentScript;
  // Set on the site's pages only: where startup.js is.
  var startupUrl = script ? script.getAttribute("data-mathjax") : null;

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

  // Typesetting on demand -----------------------------------------------------------------
  // Typesetting a hundred formulas at once keeps a phone's main thread busy for a second or
  // more. Instead: the formulas on screen (and a screen or two around it) first, a few at a
  // time, each batch sized to take about BATCH_MS; then the rest in the browser's idle time,
  // so that a formula is typeset by the time the reader reaches it, by scrolling or by a
  // link. A formula in a closed <details> waits until it is opened: typeset while hidden, it
  // would be measured at size zero. Equation numbers are written into the TeX by the server,
  // so the order in which formulas are typeset does not matter. The startup promise
  // (MathJax.startup.promise) resolves when every formula outside a closed <details> is done.
  var BATCH_MS = 8;
  var NEAR = "150% 0px"; // how far beyond the window a formula counts as about to be seen

  // typeset(elements) -> a promise: MathJax.typesetPromise on the page, or the worker's.
  // fixed: {near, rest}, batch sizes that do not depend on how long a batch took (the
  // worker's batches cost the page only their placing), or none.
  function typesetOnDemand(typeset, fixed) {
    var pending = [];
    document.querySelectorAll(".arithmatex").forEach(function (element) {
      // The editor's preview typesets itself (editor.js).
      if (!element.closest(".kb-preview") && !element.querySelector("mjx-container")) pending.push(element);
    });
    var near = [];
    var size = fixed ? fixed.near : 2;
    var busy = false;
    var idle = null;
    var finish;
    var finished = new Promise(function (resolve) {
      finish = resolve;
    });

    function hidden(element) {
      var details = element.closest("details");
      while (details) {
        if (!details.open) return true;
        details = details.parentElement && details.parentElement.closest("details");
      }
      return false;
    }

    var observer =
      "IntersectionObserver" in window
        ? new IntersectionObserver(
            function (entries) {
              entries.forEach(function (entry) {
                if (entry.isIntersecting && near.indexOf(entry.target) < 0) near.push(entry.target);
              });
              schedule();
            },
            { rootMargin: NEAR }
          )
        : null;
    if (observer) {
      pending.forEach(function (element) {
        observer.observe(element);
      });
    }
    // Opening a <details> shows its formulas: typeset them now.
    document.addEventListener(
      "toggle",
      function (event) {
        if (!event.target.open) return;
        pending.forEach(function (element) {
          if (event.target.contains(element) && !hidden(element) && near.indexOf(element) < 0) near.push(element);
        });
        schedule();
      },
      true
    );

    function take(list, limit) {
      var batch = [];
      for (var i = 0; i < list.length && batch.length < limit; i++) {
        if (pending.indexOf(list[i]) >= 0 && !hidden(list[i])) batch.push(list[i]);
      }
      return batch;
    }

    function step() {
      busy = false;
      idle = null;
      near = near.filter(function (element) {
        return pending.indexOf(element) >= 0;
      });
      var batch = take(near, size);
      if (!batch.length) batch = take(pending, fixed ? fixed.rest : size);
      if (!batch.length) {
        finish();
        return;
      }
      busy = true;
      var started = performance.now();
      typeset(batch)
        .catch(function (error) {
          // A formula MathJax cannot process shows its own error; the others go on.
          if (window.console) console.warn("MathJax:", error);
        })
        .then(function () {
          typesetDone(batch);
          batch.forEach(function (element) {
            pending.splice(pending.indexOf(element), 1);
            if (observer) observer.unobserve(element);
          });
          // Aim the next batch at BATCH_MS, from what this one took.
          var took = Math.max(performance.now() - started, 1);
          if (!fixed) size = Math.max(1, Math.min(12, Math.round((batch.length * BATCH_MS) / took)));
          busy = false;
          // reader.js: wide formulas among these scroll sideways, from the keyboard too.
          document.dispatchEvent(new CustomEvent("kb:typeset", { detail: batch }));
          schedule();
        });
    }

    function schedule() {
      var wanted = near.some(function (element) {
        return pending.indexOf(element) >= 0 && !hidden(element);
      });
      if (idle !== null && wanted) {
        // Waiting for idle time, but the reader is about to see a formula: now.
        window.cancelIdleCallback(idle);
        idle = null;
        busy = false;
      }
      if (busy) return;
      busy = true;
      if (wanted || !("requestIdleCallback" in window)) {
        // A task of its own: input and painting get their turn between batches.
        window.setTimeout(step, wanted ? 0 : 50);
      } else {
        idle = window.requestIdleCallback(step, { timeout: 1000 });
      }
    }

    schedule();
    return finished;
  }

  // The width of an inline formula once typeset, in em of the text, estimated from its TeX:
  // a glyph about 0.62em (a capital 0.98, one in a sub- or superscript 0.55), a relation (=,
  // \le, \leftarrow) or a binary operator (+, -, \times) with the spaces TeX puts around it
  // about 1.6 to 1.8, an operator name (\min, \log) 0.68 a letter, a comma with its space
  // 0.65. Fitted to the 724 inline formulas of the demo articles as Chromium typesets them:
  // off by 0.24em on average (the previous count of glyphs alone was off by 1.1em, always
  // short), so that the text after a formula seldom moves along its line or to the next one
  // when it is typeset.
  var OPERATOR_NAMES = /\\(min|max|log|exp|sin|cos|tan|arg|det|lim|sup|inf|ln|Pr|gcd|dim|ker|deg|sec|cot|tanh|sinh|cosh|mod|bmod)\b/g;
  var RELATIONS = /\\(le|ge|leq|geq|ne|neq|approx|sim|simeq|equiv|in|notin|subset|subseteq|supset|leftarrow|rightarrow|to|gets|mapsto|Leftarrow|Rightarrow|iff|implies|mid|propto|ll|gg)\b/g;
  var BINARY = /\\(times|cdot|pm|mp|circ|cup|cap|setminus|oplus|otimes|odot|ast|star|div)\b/g;
  var INVISIBLE = /\\(left|right|big|Big|bigg|Bigg|mathrm|mathbf|mathit|mathcal|mathbb|mathsf|mathtt|boldsymbol|operatorname|text|textrm|displaystyle|limits|overline|hat|bar|tilde|vec|widehat|dot)\b/g;

  function inlineWidth(tex) {
    var text = tex
      .replace(INVISIBLE, "")
      .replace(OPERATOR_NAMES, function (match, name) {
        return new Array(name.length + 1).join("\u0001");
      })
      .replace(RELATIONS, "=")
      .replace(BINARY, "+")
      .replace(/\\[a-zA-Z]+/g, "x")
      .replace(/\\[,;:! ]/g, "")
      .replace(/\\/g, "");
    var width = 0.05;
    var groups = []; // for each open brace: whether it opened a sub- or superscript
    var inScripts = 0;
    var script = false; // the next character or group is a sub- or superscript
    for (var i = 0; i < text.length; i++) {
      var ch = text.charAt(i);
      if (ch === "_" || ch === "^") {
        script = true;
      } else if (ch === "{") {
        groups.push(script);
        if (script) inScripts++;
        script = false;
      } else if (ch === "}") {
        if (groups.length && groups.pop()) inScripts--;
      } else if (!/\s/.test(ch)) {
        if (inScripts > 0 || script) width += 0.55;
        else if (/[=<>]/.test(ch)) width += 1.76;
        else if (/[+-]/.test(ch)) width += 1.63;
        else if (ch === "\u0001") width += 0.68;
        else if (ch === "," || ch === ";") width += 0.65;
        else if (/[A-Z]/.test(ch)) width += 0.98;
        else width += 0.62;
        script = false;
      }
    }
    return Math.max(0.6, width);
  }

  // Until it is typeset, a formula's TeX is hidden (site.css) and the formula takes about
  // the room it will take once typeset, estimated from its TeX: the text around it then
  // barely moves when MathJax replaces it. Set before the first paint, as the page is parsed
  // (this script runs in <head>), removed when the formula is typeset.
  function reserveRoom() {
    document.querySelectorAll(".arithmatex").forEach(function (element) {
      if (element.hasAttribute("data-kb-reserved") || element.closest(".kb-preview")) return;
      // Not yet parsed to its end (the observer below may see it half-way): on a later call.
      if (!/\\[)\]]\s*$/.test(element.textContent) || element.querySelector("mjx-container")) return;
      var display = /^\s*\\\[/.test(element.textContent); // \[ ... \], in a <div> or inside a paragraph
      var tex = element.textContent.replace(/^\s*\\[([]|\\[)\]]\s*$/g, "");
      if (display) {
        // Rows (\\) of about 1.5em each, taller when they hold fractions, and the margins.
        var rows = (tex.match(/\\\\/g) || []).length + 1;
        var tall = /\\(d?frac|sum|prod|int|binom|sqrt|begin\{(?:p|b|v|B|V)?matrix)/.test(tex) ? 2.4 : 1.5;
        element.style.height = (rows * tall + 1).toFixed(1) + "em";
      } else {
        element.style.width = inlineWidth(tex).toFixed(2) + "em";
      }
      // Sums, fractions and sub- or superscripts make an inline formula taller than the text.
      var tall = /\\(d?frac|sum|prod|int|binom)|[_^]/.test(tex);
      element.setAttribute("data-kb-reserved", display ? "display" : tall ? "inline tall" : "inline");
    });
  }

  function reserveAsParsed() {
    if (document.readyState !== "loading") {
      reserveRoom();
      return;
    }
    // Called before the browser paints what was parsed (observers run as microtasks).
    var observer = new MutationObserver(reserveRoom);
    observer.observe(document.documentElement, { childList: true, subtree: true });
    document.addEventListener("DOMContentLoaded", function () {
      observer.disconnect();
      reserveRoom();
    });
  }

  function typesetDone(batch) {
    batch.forEach(function (element) {
      element.style.removeProperty("width");
      element.style.removeProperty("height");
      element.removeAttribute("data-kb-reserved");
    });
  }

  // MathJax's fonts before its first formula. Every element of a typeset formula names
  // MJXZERO first in its font-family; while that font is still loading, Chromium gives those
  // boxes the fallback font's taller ascent, and a line holding a formula grows by a few
  // pixels, then shrinks back once the font is in: a layout shift of the whole page below it
  // (0.12 on segmentation-metrics at 1280 px). So: MathJax's stylesheet (its @font-face rules)
  // into the page now, and the typesetting waits for MJXZERO (1 KB) and the two fonts nearly
  // every formula uses (upright and italic), a second at most.
  var FIRST_FONTS = ["MJXZERO", "MJXTEX", "MJXTEX-I"];
  var FONT_WAIT_MS = 1000;

  function fontsFirst() {
    var document_ = MathJax.startup.document;
    if (!document.fonts || !document.fonts.load || !document_.addStyleSheet) return null;
    document_.addStyleSheet();
    return fontsLoaded();
  }

  // Once MathJax's @font-face rules are in the page.
  function fontsLoaded() {
    if (!document.fonts || !document.fonts.load) return Promise.resolve();
    var loads = FIRST_FONTS.map(function (family) {
      return document.fonts.load('1em "' + family + '"').catch(function () {});
    });
    return Promise.race([
      Promise.all(loads),
      new Promise(function (resolve) {
        window.setTimeout(resolve, FONT_WAIT_MS);
      }),
    ]);
  }

  // MathJax on the page itself: where a worker cannot run it.
  function addMathJax(url) {
    var element = document.createElement("script");
    element.src = url;
    element.async = true;
    element.id = "MathJax-script";
    document.head.appendChild(element);
  }

  // MathJax after the first paint: the page's text shows without waiting for it.
  function afterFirstPaint(start) {
    function afterPaint() {
      // The frame's paint comes right after this callback; the timeout runs after it.
      window.requestAnimationFrame(function () {
        window.setTimeout(start, 0);
      });
    }
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", afterPaint);
    else afterPaint();
  }

  // MathJax in a worker -------------------------------------------------------------------
  // Evaluating MathJax's parts (core, TeX input, CHTML output and its font tables: some
  // 600 KB) takes a phone's main thread four tasks of 200 to 400 ms, and typesetting a
  // formula another 10 to 40 ms: the page cannot answer a tap meanwhile (Lighthouse's total
  // blocking time, 0.7 to 2 s on the heaviest demo article). So on the site's pages MathJax
  // runs in a worker, on the lite DOM that it also uses on servers: the page sends it each
  // formula's TeX and the text's metrics, the worker answers with the formula's CHTML (the
  // same elements, assistive MathML included, through the same ui/safe filters and bounds)
  // and the CSS rules that it needs and the page does not have yet; the page only puts them
  // in place, a few per task. Where workers are missing or this one fails to start, the page
  // loads MathJax itself, as before.
  // Formulas per request: those about to be seen a few at a time (they show sooner), the rest
  // more at once. Each answer is placed in one task: its cost is mostly the page's layout and
  // paint that follow, about the same for one formula as for twenty.
  var WORKER_BATCH = { near: 4, rest: 20 };

  function workerMain() {
    // The page names startup.js (its hashed name) after the "#" of this script's URL.
    var startup = new URL(decodeURIComponent(self.location.hash.slice(1)), self.location.href).href;
    var sent = {};
    self.MathJax = {
      tex: TEX,
      loader: {
        paths: { mathjax: startup.replace(/\/[^/]*$/, "") },
        load: ["input/tex", "output/chtml", "adaptors/liteDOM", "a11y/assistive-mml", "ui/safe"],
        // Parts (and TeX extensions that \require or autoload asks for) loaded synchronously.
        require: function (url) {
          self.importScripts(url);
        },
      },
      startup: {
        typeset: false,
        ready: function () {
          // ui/safe extends the document only where there is a window: here by hand.
          MathJax.startup.extendHandler(function (handler) {
            return MathJax._.ui.safe.SafeHandler.SafeHandler(handler);
          });
          MathJax.startup.defaultReady();
          boundLengths();
        },
      },
    };

    // The rules of MathJax's stylesheet (it grows with the characters used) not sent yet.
    function newRules() {
      var css = MathJax.startup.adaptor.textContent(MathJax.chtmlStylesheet());
      var fresh = [];
      css.split(/\n\n/).forEach(function (rule) {
        if (rule.trim() && !sent[rule]) {
          sent[rule] = true;
          fresh.push(rule);
        }
      });
      return fresh.join("\n\n");
    }

    var queue = null;
    self.onmessage = function (event) {
      var job = event.data;
      queue = queue.then(function () {
        var html = [];
        var chain = Promise.resolve();
        job.formulas.forEach(function (formula) {
          chain = chain.then(function () {
            return MathJax.tex2chtmlPromise(formula.tex, {
              display: formula.display,
              em: job.em,
              ex: job.ex,
              containerWidth: job.width,
            }).then(function (node) {
              html.push(MathJax.startup.adaptor.outerHTML(node));
            });
          });
        });
        return chain.then(
          function () {
            self.postMessage({ id: job.id, html: html, css: newRules() });
          },
          function (error) {
            self.postMessage({ id: job.id, error: String((error && error.message) || error) });
          }
        );
      });
    };

    self.importScripts(startup);
    queue = MathJax.startup.promise.then(function () {
      var safe = MathJax.startup.document.safe;
      self.postMessage({
        ready: true,
        css: newRules(),
        safe: safe ? Array.from(safe.filterAttributes.keys()) : null,
      });
    });
  }

  // The page's side: false when no worker can be started here.
  function typesetInWorker(scriptUrl, url) {
    if (!scriptUrl || typeof Worker === "undefined" || typeof URL === "undefined") return false;
    var worker;
    try {
      worker = new Worker(scriptUrl + "#" + encodeURIComponent(new URL(url, location.href).href));
    } catch (error) {
      return false;
    }
    var jobs = {};
    var next = 1;
    var started = false;
    var metrics = null;
    var finish;
    // What tests and the editor look for: MathJax.startup.promise resolves once every formula
    // outside a closed <details> is typeset; MathJax.startup.document.safe is what the worker's
    // ui/safe filters (the attributes it bounds and checks).
    MathJax.startup.promise = new Promise(function (resolve) {
      finish = resolve;
    });
    MathJax.startup.document = { safe: null, worker: true };

    worker.onerror = function (event) {
      if (started) return;
      // The worker could not start (a policy, an old browser): MathJax on the page.
      event.preventDefault();
      started = true;
      worker.terminate();
      var promise = MathJax.startup.promise;
      delete MathJax.startup.document;
      delete MathJax.startup.promise;
      addMathJax(url);
      waitFor(function () {
        return MathJax.startup && MathJax.startup.promise !== promise && MathJax.startup.promise;
      }).then(finish);
    };

    // MathJax's rules in one stylesheet, added one by one (as MathJax itself does on a page):
    // the browser then restyles only the elements a new rule can match. (A new <style>
    // element each time made it restyle and lay out the whole page.)
    var sheet = null;
    function addRules(css) {
      if (!css) return;
      if (!sheet) {
        var style = document.createElement("style");
        style.id = "MJX-CHTML-styles";
        document.head.appendChild(style);
        sheet = style.sheet;
      }
      css.split(/\n\n/).forEach(function (rule) {
        try {
          sheet.insertRule(rule, sheet.cssRules.length);
        } catch (error) {
          // A rule this browser does not read.
        }
      });
    }

    // The text's font size, x-height and width, as MathJax measures them next to a formula
    // (the ratio of the last two scales the formula to the text).
    function measure() {
      var box = document.querySelector(".prose") || document.body;
      var test = document.createElement("span");
      test.style.cssText = "position:absolute;visibility:hidden;width:1px;height:60ex;";
      box.appendChild(test);
      var em = parseFloat(window.getComputedStyle(box).fontSize) || 16;
      var ex = test.offsetHeight / 60 || em / 2;
      box.removeChild(test);
      return { em: em, ex: ex, width: box.clientWidth || 80 * em };
    }

    function tex(element) {
      var text = element.textContent;
      var display = /^\s*\\\[/.test(text);
      return { tex: text.replace(/^\s*\\[([]|\\[)\]]\s*$/g, ""), display: display };
    }

    function place(elements, html) {
      elements.forEach(function (element, i) {
        var holder = document.createElement("template");
        holder.innerHTML = html[i];
        element.textContent = "";
        element.appendChild(holder.content);
      });
    }

    function typeset(elements) {
      if (!metrics) metrics = measure();
      var id = next++;
      return new Promise(function (resolve, reject) {
        jobs[id] = { elements: elements, resolve: resolve, reject: reject };
        worker.postMessage({
          id: id,
          formulas: elements.map(tex),
          em: metrics.em,
          ex: metrics.ex,
          width: metrics.width,
        });
      });
    }

    worker.onmessage = function (event) {
      var message = event.data;
      if (message.ready) {
        started = true;
        MathJax.startup.document.safe = message.safe && { filterAttributes: message.safe };
        addRules(message.css);
        fontsLoaded()
          .then(function () {
            return typesetOnDemand(typeset, WORKER_BATCH);
          })
          .then(finish);
        return;
      }
      var job = jobs[message.id];
      delete jobs[message.id];
      if (message.error) {
        job.reject(new Error(message.error));
        return;
      }
      addRules(message.css);
      place(job.elements, message.html);
      job.resolve();
    };
    return true;
  }

  function waitFor(test) {
    return new Promise(function (resolve) {
      (function check() {
        var value = test();
        if (value) resolve(value);
        else window.setTimeout(check, 50);
      })();
    });
  }

  var TEX = {
    inlineMath: [["\\(", "\\)"]],
    displayMath: [["\\[", "\\]"]],
    processEscapes: false,
    processEnvironments: true,
  };

  if (inWorker) {
    workerMain();
    return;
  }

  window.MathJax = {
    tex: TEX,
    options: {
      ignoreHtmlClass: ".*|",
      processHtmlClass: "arithmatex",
    },
    loader: {
      load: ["ui/safe"],
    },
    startup: {
      typeset: false,
      // Before the first typeset (the page's, and every preview's after it).
      ready: function () {
        MathJax.startup.defaultReady();
        boundLengths();
      },
      pageReady: function () {
        return MathJax.startup
          .defaultPageReady()
          .then(fontsFirst)
          .then(function () {
            return typesetOnDemand(MathJax.typesetPromise);
          });
      },
    },
  };

  if (startupUrl) {
    // The parts that the editor's bundle (tex-chtml.js) holds, the menu left out.
    window.MathJax.loader.load = ["input/tex", "output/chtml", "a11y/assistive-mml"].concat(window.MathJax.loader.load);
    reserveAsParsed();
    afterFirstPaint(function () {
      if (!typesetInWorker(script.src, startupUrl)) addMathJax(startupUrl);
    });
  }
})();
