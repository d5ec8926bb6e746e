// Reading aids, all optional: the page reads the same without them.
// - the theme toggle (the choice is remembered; theme.js applies it before the first paint)
// - a link on every heading of an article, shown on hover and focus
// - the table of contents marks the section being read
// - a copy button on every code block
// - wide formulas, tables and code that scroll sideways can be scrolled with the keyboard
// - the table of contents opens and closes (closed at first below 900 px: site.css)
// - on a long article, a reading-progress bar and a back-to-top control
// Labels come from data-* attributes of this script's element, in the page's language.
(function () {
  "use strict";
  var script = document.currentScript;
  var labels = script ? script.dataset : {};
  var root = document.documentElement;

  function storedTheme() {
    try {
      return window.localStorage.getItem("kb-theme");
    } catch (error) {
      return null;
    }
  }

  function setTheme(theme, remember) {
    root.setAttribute("data-theme", theme);
    if (remember) {
      try {
        window.localStorage.setItem("kb-theme", theme);
      } catch (error) {
        // Not remembered, but applied.
      }
    }
    document.querySelectorAll(".theme-toggle").forEach(function (button) {
      button.setAttribute("aria-pressed", theme === "dark" ? "true" : "false");
    });
  }

  function themeToggle() {
    setTheme(root.getAttribute("data-theme") === "dark" ? "dark" : "light", false);
    document.querySelectorAll(".theme-toggle").forEach(function (button) {
      button.addEventListener("click", function () {
        setTheme(root.getAttribute("data-theme") === "dark" ? "light" : "dark", true);
      });
    });
    var media = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)");
    if (media && media.addEventListener) {
      media.addEventListener("change", function (event) {
        if (!storedTheme()) setTheme(event.matches ? "dark" : "light", false);
      });
    }
  }

  function headingAnchors() {
    document.querySelectorAll(".prose h2[id], .prose h3[id], .prose h4[id]").forEach(function (heading) {
      var link = document.createElement("a");
      link.className = "heading-anchor";
      link.href = "#" + encodeURIComponent(heading.id);
      link.setAttribute("aria-label", (labels.anchor || "Link to this section") + ": " + heading.textContent);
      link.textContent = "#";
      heading.appendChild(link);
    });
  }

  function tableOfContents() {
    var links = Array.prototype.slice.call(document.querySelectorAll(".toc-box a[href^='#']"));
    if (!links.length || !("IntersectionObserver" in window)) return;
    var byId = {};
    var headings = [];
    links.forEach(function (link) {
      var id = decodeURIComponent(link.getAttribute("href").slice(1));
      var heading = document.getElementById(id);
      if (heading) {
        byId[id] = link;
        headings.push(heading);
      }
    });
    function mark() {
      // The current section: the last heading above the upper third of the window.
      var current = null;
      var limit = window.innerHeight / 3;
      headings.forEach(function (heading) {
        if (heading.getBoundingClientRect().top <= limit) current = heading;
      });
      if (!current) current = headings[0];
      links.forEach(function (link) {
        link.classList.remove("current");
        link.removeAttribute("aria-current");
      });
      var link = current && byId[current.id];
      if (link) {
        link.classList.add("current");
        link.setAttribute("aria-current", "location");
      }
    }
    var observer = new IntersectionObserver(mark);
    headings.forEach(function (heading) {
      observer.observe(heading);
    });
    var pending = false;
    window.addEventListener(
      "scroll",
      function () {
        if (pending) return;
        pending = true;
        window.requestAnimationFrame(function () {
          pending = false;
          mark();
        });
      },
      { passive: true }
    );
    mark();
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "visually-hidden";
      document.body.appendChild(area);
      area.select();
      var done = document.execCommand("copy");
      document.body.removeChild(area);
      if (done) resolve();
      else reject(new Error("copy refused"));
    });
  }

  function copyButtons() {
    document.querySelectorAll(".prose .highlight").forEach(function (block) {
      var code = block.querySelector("pre");
      if (!code) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy-button";
      button.textContent = labels.copy || "Copy";
      button.setAttribute("aria-label", labels.copyCode || "Copy code");
      button.addEventListener("click", function () {
        copyText(code.innerText.replace(/\n$/, "")).then(function () {
          button.textContent = labels.copied || "Copied";
          window.setTimeout(function () {
            button.textContent = labels.copy || "Copy";
          }, 2000);
        });
      });
      block.appendChild(button);
    });
  }

  // A box in a block that the browser skips for now (content-visibility: auto, article.css),
  // or that is such a block, is measured when that block is shown: earlier, its contents are
  // not laid out (and measuring them would lay the block out).
  var unshown = [];
  function shown(box) {
    if (!box.checkVisibility) return true;
    var inner = box.firstElementChild;
    var options = { contentVisibilityAuto: true };
    return box.checkVisibility(options) && (!inner || inner.checkVisibility(options));
  }

  function focusableScrollers(formulas) {
    // An inline formula wider than the text scrolls inside its line (site.css): that box too.
    var boxes = ".prose div.arithmatex, .prose table, .prose pre, .prose span.arithmatex mjx-container > mjx-math";
    var found = [];
    if (Array.isArray(formulas)) {
      // Only these formulas (just typeset), when they are in an article.
      formulas.forEach(function (formula) {
        if (!formula.closest(".prose")) return;
        if (formula.matches("div.arithmatex")) found.push(formula);
        formula.querySelectorAll("mjx-container > mjx-math").forEach(function (math) {
          if (formula.matches("span.arithmatex")) found.push(math);
        });
      });
    } else {
      found = Array.prototype.slice.call(document.querySelectorAll(boxes));
      unshown = [];
    }
    measure(found);
  }

  // The boxes of skipped blocks are measured in idle time a few at a time, each read laying
  // out its own block only: every box that scrolls is a tab stop before the reader gets there
  // (by the keyboard too), without one long task for all of them.
  var idlePass = null;
  function measureUnshownWhenIdle() {
    if (idlePass !== null || !unshown.length) return;
    var later =
      window.requestIdleCallback ||
      function (run) {
        return window.setTimeout(function () {
          run({
            timeRemaining: function () {
              return 8;
            },
          });
        }, 200);
      };
    idlePass = later(function (deadline) {
      idlePass = null;
      var boxes = [];
      while (unshown.length && boxes.length < 8 && deadline.timeRemaining() > 4) boxes.push(unshown.shift());
      measure(boxes, true);
      measureUnshownWhenIdle();
    });
  }

  function measure(boxes, evenUnshown) {
    var now = [];
    boxes.forEach(function (box) {
      (evenUnshown || shown(box) ? now : unshown).push(box);
    });
    measureUnshownWhenIdle();
    // Every width read first, then every attribute written: one layout, not one per box.
    var wide = now.map(function (box) {
      return box.scrollWidth > box.clientWidth + 1;
    });
    now.forEach(function (box, i) {
      if (wide[i]) {
        box.setAttribute("tabindex", "0");
        // A formula's drawing is hidden from screen readers (they read MathJax's MathML copy);
        // a focusable box may not be hidden, so its contents are hidden instead.
        if (box.getAttribute("aria-hidden") === "true") {
          box.removeAttribute("aria-hidden");
          box.setAttribute("data-kb-hid", "");
          Array.prototype.forEach.call(box.children, function (child) {
            child.setAttribute("aria-hidden", "true");
          });
        }
      } else if (box.getAttribute("tabindex") === "0") {
        box.removeAttribute("tabindex");
        if (box.hasAttribute("data-kb-hid")) {
          box.removeAttribute("data-kb-hid");
          box.setAttribute("aria-hidden", "true");
        }
      }
    });
  }

  // A skipped block shown (scrolled near, found, linked to): its boxes are measured now.
  document.addEventListener(
    "contentvisibilityautostatechange",
    function (event) {
      if (event.skipped) return;
      var inside = unshown.filter(function (box) {
        return event.target.contains(box);
      });
      if (!inside.length) return;
      unshown = unshown.filter(function (box) {
        return inside.indexOf(box) < 0;
      });
      window.requestAnimationFrame(function () {
        measure(inside);
      });
    },
    true
  );

  // The contents' title becomes a button that shows or hides the list. Whether the list is
  // shown at first is site.css's choice (by the window's width, before any script runs);
  // the button only reports it (aria-expanded) and overrides it when pressed.
  function collapsibleContents() {
    var box = document.querySelector(".toc-box");
    var list = box && box.querySelector(".toc-list");
    var title = box && box.querySelector(".toc-title");
    if (!list || !title) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "toc-toggle";
    button.setAttribute("aria-controls", list.id);
    while (title.firstChild) button.appendChild(title.firstChild);
    title.appendChild(button);
    function report() {
      button.setAttribute("aria-expanded", window.getComputedStyle(list).display === "none" ? "false" : "true");
    }
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      box.classList.toggle("toc-open", open);
      box.classList.toggle("toc-closed", !open);
      report();
    });
    var narrow = window.matchMedia && window.matchMedia("(max-width: 899.98px)");
    if (narrow && narrow.addEventListener) narrow.addEventListener("change", report);
    report();
  }

  // A long article (three screens or more): a bar at the top of the window shows how far the
  // reader has come (decoration: hidden from screen readers), and a control brings them back
  // to the top. The control is a link at the end of the article (article_detail.html), in the
  // keyboard's order; it floats in a corner once the reader is a screen down.
  function longArticleAids() {
    var article = document.querySelector(".article .prose");
    var back = document.querySelector(".back-to-top");
    if (!article) return;
    var bar = document.createElement("div");
    bar.className = "reading-progress";
    bar.setAttribute("aria-hidden", "true");
    bar.appendChild(document.createElement("span"));
    document.body.appendChild(bar);
    var pending = false;
    function update() {
      pending = false;
      var viewport = window.innerHeight;
      var rect = article.getBoundingClientRect();
      var long = rect.height > 3 * viewport;
      root.classList.toggle("long-article", long);
      if (!long) return;
      // 0 at the start of the text, 1 when its end reaches the bottom of the window.
      var read = Math.min(1, Math.max(0, -rect.top / Math.max(1, rect.height - viewport)));
      bar.firstChild.style.transform = "scaleX(" + read.toFixed(4) + ")";
      if (back) back.classList.toggle("shown", window.scrollY > viewport);
    }
    function later() {
      if (pending) return;
      pending = true;
      window.requestAnimationFrame(update);
    }
    window.addEventListener("scroll", later, { passive: true });
    window.addEventListener("resize", later);
    // Typeset formulas change the text's height.
    document.addEventListener("kb:typeset", later);
    if (back) {
      back.addEventListener("click", function (event) {
        event.preventDefault();
        var smooth = !(window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches);
        window.scrollTo({ top: 0, behavior: smooth ? "smooth" : "auto" });
        // Keyboard users continue from the top of the page: the next Tab reaches the skip link.
        document.body.setAttribute("tabindex", "-1");
        document.body.focus({ preventScroll: true });
        document.body.removeAttribute("tabindex");
      });
    }
    update();
  }

  themeToggle();
  collapsibleContents();
  longArticleAids();
  headingAnchors();
  tableOfContents();
  copyButtons();
  focusableScrollers();
  window.addEventListener("resize", function () {
    focusableScrollers();
  });
  // Typeset formulas have their final width only once typeset: mathjax-config.js typesets
  // them a few at a time and tells which.
  // Measured just before the next frame, when the browser lays the page out anyway.
  var typeset = [];
  document.addEventListener("kb:typeset", function (event) {
    if (!typeset.length) {
      window.requestAnimationFrame(function () {
        var formulas = typeset;
        typeset = [];
        focusableScrollers(formulas);
      });
    }
    typeset = typeset.concat(event.detail);
  });
})();
