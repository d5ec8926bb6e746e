// Reading aids, all optional: the page reads the same without them.
// - the theme toggle (the choice is remembered; theme.js applies it before the first paint)
// - a link on every heading of an article, shown on hover and focus
// - the table of contents marks the section being read
// - a copy button on every code block
// - wide formulas, tables and code that scroll sideways can be scrolled with the keyboard
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

  function focusableScrollers() {
    // An inline formula wider than the text scrolls inside its line (site.css): that box too.
    var boxes = ".prose div.arithmatex, .prose table, .prose pre, .prose span.arithmatex mjx-container > mjx-math";
    document.querySelectorAll(boxes).forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
      } else if (box.getAttribute("tabindex") === "0") {
        box.removeAttribute("tabindex");
      }
    });
  }

  themeToggle();
  headingAnchors();
  tableOfContents();
  copyButtons();
  focusableScrollers();
  window.addEventListener("resize", focusableScrollers);
  // Typeset formulas have their final width only once MathJax is done.
  if (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise) {
    window.MathJax.startup.promise.then(focusableScrollers);
  } else {
    window.addEventListener("load", function () {
      if (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise) {
        window.MathJax.startup.promise.then(focusableScrollers);
      }
    });
  }
})();
