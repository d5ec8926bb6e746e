// The article editor in the admin: Markdown source beside a live preview rendered by the
// server (the published page's pipeline, sanitiser, stylesheet and MathJax configuration)
// that scrolls with the source and lists the formulas MathJax cannot typeset; image upload
// by file choice, paste or drop with an inline alt text field; an insert menu and "/"
// commands for formulas, tables, code, admonitions and footnotes; live word and character
// counts with the reading time; tag suggestions; and Ctrl/Cmd+S to save.
// Served by the site itself; no inline script: URLs come from data- attributes.
(function () {
  "use strict";

  var PREVIEW_DELAY_MS = 400;

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function post(url, form, data) {
    return fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(form), "X-Requested-With": "fetch" },
    }).then(function (response) {
      if (response.redirected && response.url.indexOf("/login/") >= 0) {
        return { error: label("You are logged out: log in again in another tab, then carry on (your text is kept here).") };
      }
      return response.json().catch(function () {
        return { error: label("The server answered {status}.", { status: response.status }) };
      });
    });
  }

  // The bytes a form's fields take as the browser sends them: %XX escapes in a URL-encoded
  // form (9 bytes for a CJK character), UTF-8 in a multipart one.
  function formBytes(form) {
    var data = new FormData(form);
    if ((form.enctype || "").indexOf("multipart") === 0) {
      var size = 0;
      data.forEach(function (value, name) {
        if (typeof value === "string") size += new Blob([name, value]).size + 100;
      });
      return size;
    }
    return new URLSearchParams(data).toString().length;
  }

  function megabytes(bytes) {
    return (bytes / 1024 / 1024).toFixed(1) + " MB";
  }

  function mathJaxReady() {
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      return MathJax.startup.promise;
    }
    return Promise.reject(new Error("MathJax is not loaded"));
  }

  // Labels -----------------------------------------------------------------------------------

  // The editor's own words are English; the Chinese admin (<html lang="zh-hans">) gets these.
  var CHINESE = /^zh/i.test(document.documentElement.lang || "");
  var CHINESE_LABELS = {
    "Insert image…": "插入图片…",
    "Insert": "插入",
    "Insert a formula, table, code block…": "插入公式、表格、代码块…",
    "Commands": "命令",
    "No command matches": "没有匹配的命令",
    "Alt text": "替代文字",
    "Describe the image for readers who cannot see it": "为看不到图片的读者描述它",
    "Preview": "预览",
    "Image inserted.": "图片已插入。",
    "The insert menu could not be loaded.": "插入菜单未能加载。",
    "You are logged out: log in again in another tab, then carry on (your text is kept here).":
      "你已退出登录：请在另一个标签页重新登录，然后继续（你的文字保留在这里）。",
    "The server answered {status}.": "服务器返回了 {status}。",
    "Formulas could not be typeset: {error}": "公式无法排版：{error}",
    "Preview: the text is {size}, more than the server reads ({limit}).": "预览：文字有 {size}，超过服务器能读取的 {limit}。",
    "Preview: {error}": "预览：{error}",
    "The preview could not reach the server.": "预览无法连接服务器。",
    "Uploading {name}…": "正在上传 {name}…",
    "the image": "图片",
    "The image was not stored.": "图片未能保存。",
    "The image could not be uploaded.": "图片未能上传。",
    "Choose an image to insert": "选择要插入的图片",
    "Not sent: the form is {size} as sent, and the server reads at most {limit}. Shorten the text or split it into several articles; it is kept here.":
      "未发送：表单发送时有 {size}，而服务器最多读取 {limit}。请缩短文字或拆成几篇文章；文字保留在这里。",
  };

  // `text` in the page's language, its {names} filled from `values`.
  function label(text, values) {
    var result = (CHINESE && CHINESE_LABELS[text]) || text;
    Object.keys(values || {}).forEach(function (name) {
      result = result.split("{" + name + "}").join(String(values[name]));
    });
    return result;
  }

  function snippetLabel(snippet) {
    return (CHINESE && snippet.label["zh-hans"]) || snippet.label.en;
  }

  // Where the source box lays out its text ---------------------------------------------------

  // A textarea tells neither where a line starts nor where the caret is: a hidden copy of it,
  // with the same font, width and wrapping, lays the text out the same way and is measured.
  var MIRRORED = [
    "fontFamily", "fontSize", "fontWeight", "fontStyle", "fontVariant", "fontStretch", "lineHeight",
    "letterSpacing", "wordSpacing", "tabSize", "textIndent", "textTransform", "paddingTop",
    "paddingRight", "paddingBottom", "paddingLeft", "wordBreak",
  ];

  function mirrorOf(source) {
    var style = window.getComputedStyle(source);
    var mirror = document.createElement("div");
    mirror.setAttribute("aria-hidden", "true");
    MIRRORED.forEach(function (name) {
      mirror.style[name] = style[name];
    });
    mirror.style.position = "absolute";
    mirror.style.visibility = "hidden";
    mirror.style.top = "0";
    mirror.style.left = "-10000px";
    mirror.style.boxSizing = "content-box";
    mirror.style.border = "0";
    mirror.style.whiteSpace = "pre-wrap";
    mirror.style.overflowWrap = "break-word";
    // clientWidth: the text's box and its padding, without the borders and the scroll bar.
    var width = source.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    mirror.style.width = Math.max(width, 0) + "px";
    document.body.appendChild(mirror);
    return mirror;
  }

  function lineHeightOf(source) {
    var style = window.getComputedStyle(source);
    return parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.2;
  }

  // The top of each line of the source, in pixels from the top of its text (padding included).
  function lineTops(source) {
    var mirror = mirrorOf(source);
    var spans = source.value.split("\n").map(function (line) {
      var span = document.createElement("span");
      span.textContent = line + "\n";
      mirror.appendChild(span);
      return span;
    });
    var tops = spans.map(function (span) {
      return span.offsetTop;
    });
    mirror.parentNode.removeChild(mirror);
    return tops;
  }

  // Where the character at `index` is drawn: {top, left} in pixels inside the source's text.
  function caretPoint(source, index) {
    var mirror = mirrorOf(source);
    mirror.textContent = source.value.slice(0, index);
    var mark = document.createElement("span");
    mark.textContent = "\u200b";
    mirror.appendChild(mark);
    var point = { top: mark.offsetTop, left: mark.offsetLeft };
    mirror.parentNode.removeChild(mirror);
    return point;
  }

  // A point inside the source's text, in pixels from the top left of the frame around it
  // (where the alt text field and the command palette are laid).
  function framePoint(source, index) {
    var point = caretPoint(source, index);
    return {
      top: source.offsetTop + source.clientTop + point.top - source.scrollTop,
      left: source.offsetLeft + source.clientLeft + point.left - source.scrollLeft,
    };
  }

  // Lay `element` (the palette, the alt text field) just below the line at `point`, or just
  // above it when the window has no room below.
  function placeAt(element, source, point) {
    var frameWidth = element.parentNode.clientWidth;
    element.style.left = Math.max(0, Math.min(point.left, frameWidth - element.offsetWidth)) + "px";
    element.style.top = point.top + lineHeightOf(source) + "px";
    var box = element.getBoundingClientRect();
    if (box.bottom > window.innerHeight && box.top - element.offsetHeight - lineHeightOf(source) >= 0) {
      element.style.top = point.top - element.offsetHeight + "px";
    }
  }

  function lineOf(text, index) {
    var line = 0;
    for (var i = text.indexOf("\n"); i >= 0 && i < index; i = text.indexOf("\n", i + 1)) line++;
    return line;
  }

  // Scroll sync ------------------------------------------------------------------------------

  // The preview shows the part of the text the author is at: when the source scrolls, or its
  // caret moves, the preview scrolls to the same place. Blocks that both sides can name in
  // the same order (headings, code blocks, display formulas, tables, admonitions,
  // collapsible blocks at the top level) pin the two together; between two of them the
  // position is interpolated. A kind whose count differs on the two sides (raw HTML
  // headings, say) is left out rather than pinned to the wrong block.
  var ANCHORS = [
    { kind: "heading", selector: ":scope > h1, :scope > h2, :scope > h3, :scope > h4, :scope > h5, :scope > h6" },
    { kind: "code", selector: ":scope > .highlight, :scope > pre" },
    { kind: "math", selector: ":scope > div.arithmatex" },
    { kind: "table", selector: ":scope > table" },
    { kind: "admonition", selector: ":scope > .admonition" },
    { kind: "details", selector: ":scope > details" },
  ];
  var TABLE_RULE = /^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)+\|?\s*$|^\|\s*:?-+:?\s*\|\s*$/;

  // The first line of each top-level block of those kinds in the Markdown `text`.
  function sourceAnchors(text) {
    var found = { heading: [], code: [], math: [], table: [], admonition: [], details: [] };
    var lines = text.split("\n");
    var fence = null; // the fence that opened the code block we are in
    var mathEnd = null; // what closes the display formula we are in
    var blankBefore = true;
    lines.forEach(function (line, i) {
      var blank = line.trim() === "";
      if (fence) {
        if (line.trim().indexOf(fence) === 0 && /^\s*(`{3,}|~{3,})\s*$/.test(line)) fence = null;
      } else if (mathEnd) {
        if (mathEnd.test(line)) mathEnd = null;
      } else {
        var opening = /^ {0,3}(`{3,}|~{3,})/.exec(line);
        if (opening) {
          fence = opening[1];
          if (line.charAt(0) !== " ") found.code.push(i);
        } else if (blankBefore && /^\$\$/.test(line)) {
          found.math.push(i);
          // "$$" alone opens a formula that a later "$$" closes; "$$x$$" is whole.
          mathEnd = line.trim() !== "$$" && /\$\$\s*$/.test(line.slice(2)) ? null : /\$\$\s*$/;
        } else if (blankBefore && /^\\begin\{/.test(line)) {
          found.math.push(i);
          if (!/\\end\{[^}]*\}\s*$/.test(line)) mathEnd = /^\\end\{/;
        } else if (/^#{1,6}(\s|$)/.test(line)) {
          found.heading.push(i);
        } else if (i > 0 && !blankBefore && /^(=+|-+)\s*$/.test(line) && /^[^\s|>*+-]/.test(lines[i - 1])) {
          found.heading.push(i - 1); // a Setext heading: its text is the line above
        } else if (i > 0 && TABLE_RULE.test(line) && lines[i - 1].indexOf("|") >= 0 && (i < 2 || !lines[i - 2].trim())) {
          found.table.push(i - 1);
        } else if (/^!!!\s/.test(line)) {
          found.admonition.push(i);
        } else if (/^\?\?\?\+?\s/.test(line)) {
          found.details.push(i);
        }
      }
      blankBefore = blank;
    });
    return found;
  }

  function setUpScrollSync(source, pane, body) {
    var measured = null; // {tops: [...], map: [[sourceY, previewY], ...]} until the text or layout changes
    var typingTimer = null;

    function measure() {
      var tops = lineTops(source);
      var found = sourceAnchors(source.value);
      var origin = pane.getBoundingClientRect().top - pane.scrollTop;
      var pairs = [];
      ANCHORS.forEach(function (anchor) {
        var lines = found[anchor.kind];
        var elements = body.querySelectorAll(anchor.selector);
        if (!lines.length || lines.length !== elements.length) return;
        lines.forEach(function (line, i) {
          pairs.push([tops[line], elements[i].getBoundingClientRect().top - origin]);
        });
      });
      pairs.sort(function (a, b) {
        return a[0] - b[0];
      });
      var map = [[0, 0]];
      pairs.forEach(function (pair) {
        var last = map[map.length - 1];
        if (pair[0] > last[0] && pair[1] >= last[1]) map.push(pair);
      });
      var last = map[map.length - 1];
      if (source.scrollHeight > last[0] && pane.scrollHeight >= last[1]) map.push([source.scrollHeight, pane.scrollHeight]);
      return { tops: tops, map: map };
    }

    function current() {
      if (!measured) measured = measure();
      return measured;
    }

    function previewY(y) {
      var map = current().map;
      for (var i = 1; i < map.length; i++) {
        if (y < map[i][0]) {
          var a = map[i - 1];
          var b = map[i];
          return a[1] + ((y - a[0]) / (b[0] - a[0])) * (b[1] - a[1]);
        }
      }
      var end = map[map.length - 1];
      return end[1] + (y - end[0]);
    }

    function followScroll() {
      if (source.scrollTop + source.clientHeight >= source.scrollHeight - 2) {
        pane.scrollTop = pane.scrollHeight; // the end of the text: the end of the page
      } else {
        pane.scrollTop = previewY(source.scrollTop);
      }
    }

    function followCaret() {
      var y = current().tops[lineOf(source.value, source.selectionStart)] || 0;
      var offset = y - source.scrollTop;
      if (offset < 0 || offset > source.clientHeight) {
        followScroll(); // the caret is out of sight: follow what the author is looking at
        return;
      }
      // The caret's block at the same height in the preview as the caret in the source.
      pane.scrollTop = previewY(y) - offset * (pane.clientHeight / Math.max(source.clientHeight, 1));
    }

    var frame = null;
    function soon(follow) {
      if (frame) cancelAnimationFrame(frame);
      frame = requestAnimationFrame(function () {
        frame = null;
        follow();
      });
    }

    source.addEventListener("scroll", function () {
      soon(followScroll);
    });
    source.addEventListener("input", function () {
      measured = null;
      // Measuring a long text costs a layout: while the author types, once they pause.
      clearTimeout(typingTimer);
      typingTimer = setTimeout(function () {
        if (document.activeElement === source) soon(followCaret); // not for a restore, say
      }, 150);
    });
    source.addEventListener("keyup", function (event) {
      if (/^(Arrow|Page|Home|End)/.test(event.key)) soon(followCaret);
    });
    source.addEventListener("mouseup", function () {
      soon(followCaret);
    });
    window.addEventListener("resize", function () {
      measured = null;
    });

    return {
      // After the preview changed (a new rendering, formulas typeset): measure again, and if
      // the author is working in the source, show the part they are at.
      rendered: function () {
        measured = null;
        if (document.activeElement === source) followCaret();
      },
      followCaret: followCaret,
      followScroll: followScroll,
    };
  }

  // Formulas MathJax could not typeset -------------------------------------------------------

  function shorten(text, length) {
    text = text.replace(/\s+/g, " ").trim();
    return text.length > length ? text.slice(0, length) + "…" : text;
  }

  // [{tex, message}] for each formula of `body` that typeset as an error (MathJax's merror),
  // or not at all.
  function failedFormulas(body) {
    var doc = window.MathJax && MathJax.startup && MathJax.startup.document;
    var failed = [];
    if (doc && doc.getMathItemsWithin) {
      doc.getMathItemsWithin([body]).forEach(function (item) {
        var root = item.typesetRoot;
        var error = root && root.querySelector && root.querySelector("mjx-merror");
        if (error) failed.push({ tex: item.math, message: error.getAttribute("data-mjx-error") || error.textContent });
      });
    } else {
      body.querySelectorAll("mjx-merror").forEach(function (error) {
        var formula = error.closest(".arithmatex");
        failed.push({ tex: formula ? formula.textContent : "", message: error.getAttribute("data-mjx-error") || "" });
      });
    }
    // A formula MathJax did not even find (its braces do not balance, say) stays as text.
    body.querySelectorAll(".arithmatex").forEach(function (formula) {
      if (!formula.querySelector("mjx-container")) {
        var tex = formula.textContent.replace(/^\s*\\[(\[]|\\[)\]]\s*$/g, "");
        failed.push({ tex: tex, message: CHINESE ? "未被识别为公式" : "not read as a formula" });
      }
    });
    return failed;
  }

  function failedFormulasMessage(failed) {
    var listed = failed
      .slice(0, 3)
      .map(function (formula) {
        return shorten(formula.tex, 40) + (formula.message ? " (" + formula.message + ")" : "");
      })
      .join("; ");
    if (failed.length > 3) listed += "; …";
    if (CHINESE) return failed.length + " 个公式无法排版：" + listed;
    return (failed.length === 1 ? "1 formula does not typeset: " : failed.length + " formulas do not typeset: ") + listed;
  }

  // Live preview -------------------------------------------------------------------------

  function setUpPreview(source, form, status, frame) {
    var pane = document.createElement("div");
    pane.className = "kb-preview";
    pane.setAttribute("aria-label", label("Preview"));
    pane.tabIndex = 0;
    var body = document.createElement("div");
    // `prose`: the published page's article body, styled by the same stylesheet (article.css).
    body.className = "kb-preview-body prose";
    pane.appendChild(body);
    var editor = document.createElement("div");
    editor.className = "kb-editor";
    source.parentNode.insertBefore(editor, source);
    editor.appendChild(frame);
    frame.appendChild(source);
    editor.appendChild(pane);
    var sync = setUpScrollSync(source, pane, body);

    var timer = null;
    var sent = 0;
    var composing = false;

    function show(html) {
      var scroll = pane.scrollTop;
      if (window.MathJax && MathJax.typesetClear) {
        MathJax.typesetClear([body]);
      }
      body.innerHTML = html; // sanitised by the server's allowlist, as on the published page
      pane.scrollTop = scroll;
      return mathJaxReady()
        .then(function () {
          return MathJax.typesetPromise([body]);
        })
        .then(function () {
          var failed = failedFormulas(body);
          pane.setAttribute("data-failed-formulas", String(failed.length));
          if (failed.length) status.show(failedFormulasMessage(failed), true, "math");
          else status.clear("math");
        })
        .catch(function (error) {
          status.show(label("Formulas could not be typeset: {error}", { error: error.message }), true, "math");
        })
        .then(function () {
          pane.scrollTop = scroll; // typesetting changes heights; keep the author's place
          sync.rendered();
          pane.setAttribute("data-rendered", String(sent));
        });
    }

    function refresh() {
      var number = ++sent;
      var limit = Number(source.dataset.maxRequestBytes) || Infinity;
      var size = new Blob([source.value]).size;
      if (size > limit) {
        pane.classList.add("kb-preview-error");
        status.show(
          label("Preview: the text is {size}, more than the server reads ({limit}).", {
            size: megabytes(size),
            limit: megabytes(limit),
          }),
          true,
          "preview"
        );
        return;
      }
      var data = new FormData();
      data.append("body", source.value);
      var macros = form.querySelector("[name=macros]"); // the article's own TeX macros
      if (macros) data.append("macros", macros.value);
      post(source.dataset.previewUrl, form, data)
        .then(function (answer) {
          if (number !== sent) return; // a newer request is on its way
          if (answer.error) {
            pane.classList.add("kb-preview-error");
            status.show(label("Preview: {error}", { error: answer.error }), true, "preview");
            return;
          }
          if (pane.classList.contains("kb-preview-error")) {
            pane.classList.remove("kb-preview-error");
            status.clear("preview"); // the preview's own error message, now resolved
          }
          return show(answer.html);
        })
        .catch(function () {
          status.show(label("The preview could not reach the server."), true, "preview");
        });
    }

    function schedule() {
      if (composing) return; // wait for the input method to finish the word
      clearTimeout(timer);
      timer = setTimeout(refresh, PREVIEW_DELAY_MS);
    }

    source.addEventListener("input", schedule);
    var macrosField = form.querySelector("[name=macros]");
    if (macrosField) macrosField.addEventListener("input", schedule);
    source.addEventListener("compositionstart", function () {
      composing = true;
    });
    source.addEventListener("compositionend", function () {
      composing = false;
      schedule();
    });
    refresh();
  }

  // Editing the source -------------------------------------------------------------------------

  // Replace [start, end) of the source with `text`, as typing would: through the browser's
  // editing command where it has one, so that Ctrl+Z undoes it.
  function replaceRange(source, start, end, text) {
    source.focus();
    source.setSelectionRange(start, end);
    var typed = false;
    try {
      typed = document.execCommand("insertText", false, text) && source.value.slice(start, start + text.length) === text;
    } catch (error) {
      typed = false;
    }
    if (!typed) {
      source.setRangeText(text, start, end, "end");
      source.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  // Snippets: the insert menu and the / commands ----------------------------------------------

  // One table for both, shared with the tests: static/js/editor-snippets.json, beside this file.
  var SCRIPT_URL = document.currentScript ? document.currentScript.src : "";

  function loadSnippets() {
    var url = SCRIPT_URL.replace(/editor(\.[0-9a-f]{6,})?\.js(\?.*)?$/, "editor-snippets.json");
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.json().then(function (data) {
        return data.snippets;
      });
    });
  }

  // ⟦ ⟧ mark the placeholder: {text, start, end} with the marks taken out.
  function placeholder(text) {
    var open = text.indexOf("\u27e6");
    var close = text.indexOf("\u27e7");
    if (open < 0 || close < open) return { text: text, start: text.length, end: text.length };
    return {
      text: text.slice(0, open) + text.slice(open + 1, close) + text.slice(close + 1),
      start: open,
      end: close - 1,
    };
  }

  // Insert `snippet` in place of [start, end) and select its placeholder (the selected text,
  // when `wrapsSelection` and the author had selected some). A block snippet
  // gets the blank lines around it that Markdown needs; a footnote puts its reference here
  // and its definition at the end of the text; numbered ones take the next free number.
  function insertSnippet(source, snippet, start, end, wrapsSelection) {
    var value = source.value;
    var number = 1;
    if (snippet.number_pattern) {
      var pattern = new RegExp(snippet.number_pattern, "g");
      var match;
      while ((match = pattern.exec(value))) number = Math.max(number, Number(match[1]) + 1);
    }
    function fill(text) {
      return snippet.number_pattern ? text.split("{n}").join(String(number)) : text;
    }
    var main = placeholder(fill(snippet.text));
    var tail = snippet.end ? placeholder(fill(snippet.end)) : null;
    var selected = value.slice(start, end);
    if (wrapsSelection && selected && !tail && selected.indexOf("\n") < 0) {
      // A selected formula or word becomes the placeholder's text.
      main.text = main.text.slice(0, main.start) + selected + main.text.slice(main.end);
      main.end = main.start + selected.length;
    }
    var before = "";
    var after = "";
    if (snippet.block) {
      var head = value.slice(0, start);
      if (head.trim()) before = /\n\n$/.test(head) ? "" : /\n$/.test(head) ? "\n" : "\n\n";
      var rest = value.slice(end);
      after = /^\n\n/.test(rest) ? "" : /^\n/.test(rest) ? "\n" : "\n\n";
      if (!rest.trim()) after = rest ? "" : "\n";
    }
    replaceRange(source, start, end, before + main.text + after);
    var from = start + before.length + main.start;
    var to = start + before.length + main.end;
    if (tail) {
      var kept = source.value.replace(/\s+$/, "");
      var separator = kept.length ? "\n\n" : "";
      replaceRange(source, kept.length, source.value.length, separator + tail.text + "\n");
      from = kept.length + separator.length + tail.start;
      to = kept.length + separator.length + tail.end;
    }
    source.focus();
    source.setSelectionRange(from, to);
  }

  // Snippets matching what was typed after "/", best first: label, then name, then keywords.
  function matching(snippets, query) {
    query = query.toLowerCase();
    var scored = [];
    snippets.forEach(function (snippet, order) {
      var name = snippetLabel(snippet).toLowerCase();
      var words = [snippet.id, snippet.label.en, snippet.label["zh-hans"] || "", snippet.keywords || ""]
        .join(" ")
        .toLowerCase();
      var score = -1;
      if (!query || name.indexOf(query) === 0) score = 0;
      else if (snippet.id.indexOf(query) === 0) score = 1;
      else if ((" " + words.replace(/[^\w\u00c0-\uffff]+/g, " ")).indexOf(" " + query) >= 0) score = 2;
      else if (words.indexOf(query) >= 0) score = 3;
      if (score >= 0) scored.push({ snippet: snippet, score: score, order: order });
    });
    scored.sort(function (a, b) {
      return a.score - b.score || a.order - b.order;
    });
    return scored.map(function (entry) {
      return entry.snippet;
    });
  }

  var uniqueId = 0;
  function newId(prefix) {
    uniqueId += 1;
    return prefix + "-" + uniqueId;
  }

  // The Insert button: a menu of the snippets (WAI-ARIA menu button: Enter, Space or the
  // arrows open it, the arrows move, Escape closes it and returns to the button).
  function setUpInsertMenu(source, toolbar, snippetsLoaded, status) {
    var wrapper = document.createElement("div");
    wrapper.className = "kb-insert";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button kb-insert-menu-button";
    button.textContent = label("Insert") + " \u25be";
    button.title = label("Insert a formula, table, code block…");
    button.setAttribute("aria-haspopup", "menu");
    button.setAttribute("aria-expanded", "false");
    var menu = document.createElement("div");
    menu.className = "kb-insert-menu";
    menu.id = newId("kb-insert-menu");
    menu.setAttribute("role", "menu");
    menu.setAttribute("aria-label", label("Insert"));
    menu.hidden = true;
    button.setAttribute("aria-controls", menu.id);
    wrapper.appendChild(button);
    wrapper.appendChild(menu);
    toolbar.appendChild(wrapper);
    var items = [];

    snippetsLoaded.then(
      function (snippets) {
        snippets.forEach(function (snippet) {
          var item = document.createElement("button");
          item.type = "button";
          item.className = "kb-insert-item";
          item.setAttribute("role", "menuitem");
          item.tabIndex = -1;
          item.dataset.snippet = snippet.id;
          item.textContent = snippetLabel(snippet);
          item.addEventListener("click", function () {
            close(false);
            // A textarea keeps its selection while the menu has the focus.
            insertSnippet(source, snippet, source.selectionStart, source.selectionEnd, true);
          });
          menu.appendChild(item);
          items.push(item);
        });
      },
      function () {
        button.disabled = true;
        status.show(label("The insert menu could not be loaded."), true);
      }
    );

    function focusItem(index) {
      if (!items.length) return;
      items[(index + items.length) % items.length].focus();
    }

    function open(index) {
      menu.hidden = false;
      button.setAttribute("aria-expanded", "true");
      focusItem(index);
    }

    function close(returnFocus) {
      if (menu.hidden) return;
      menu.hidden = true;
      button.setAttribute("aria-expanded", "false");
      if (returnFocus) button.focus();
    }

    button.addEventListener("click", function () {
      if (menu.hidden) open(0);
      else close(false);
    });
    button.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        open(event.key === "ArrowDown" ? 0 : -1);
      }
    });
    menu.addEventListener("keydown", function (event) {
      var index = items.indexOf(document.activeElement);
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        focusItem(index + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Home" || event.key === "End") {
        event.preventDefault();
        focusItem(event.key === "Home" ? 0 : -1);
      } else if (event.key === "Escape") {
        event.preventDefault();
        close(true);
      } else if (event.key === "Tab") {
        close(false);
      }
    });
    wrapper.addEventListener("focusout", function (event) {
      if (!wrapper.contains(event.relatedTarget)) close(false);
    });
  }

  // "/" at the start of a line: a palette of the snippets, filtered by what follows the "/";
  // Enter (or Tab) replaces the "/..." with the chosen snippet, Escape closes the palette and
  // leaves the text as typed (a line may well start with "/usr").
  function setUpCommandPalette(source, frame, snippetsLoaded) {
    var snippets = [];
    snippetsLoaded.then(function (loaded) {
      snippets = loaded;
    }, function () {});
    var list = document.createElement("ul");
    list.className = "kb-command-palette";
    list.id = newId("kb-command-palette");
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", label("Commands"));
    list.hidden = true;
    frame.appendChild(list);
    var state = null; // {slash: index of the "/", shown: [snippets], active: index}

    function typed() {
      return source.value.slice(state.slash + 1, source.selectionStart);
    }

    function render() {
      list.textContent = "";
      state.shown.forEach(function (snippet, index) {
        var item = document.createElement("li");
        item.id = list.id + "-" + snippet.id;
        item.setAttribute("role", "option");
        item.dataset.snippet = snippet.id;
        item.textContent = snippetLabel(snippet);
        item.setAttribute("aria-selected", String(index === state.active));
        item.classList.toggle("kb-active", index === state.active);
        item.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep the focus in the source
          choose(snippet);
        });
        list.appendChild(item);
      });
      if (!state.shown.length) {
        var none = document.createElement("li");
        none.className = "kb-command-none";
        none.textContent = label("No command matches");
        list.appendChild(none);
        source.removeAttribute("aria-activedescendant");
      } else {
        source.setAttribute("aria-activedescendant", list.id + "-" + state.shown[state.active].id);
      }
    }

    function open(slash) {
      if (!snippets.length) return;
      state = { slash: slash, shown: snippets.slice(), active: 0 };
      list.hidden = false;
      source.setAttribute("aria-controls", list.id);
      source.setAttribute("aria-expanded", "true");
      render();
      placeAt(list, source, framePoint(source, slash));
    }

    function close() {
      state = null;
      list.hidden = true;
      list.textContent = "";
      source.removeAttribute("aria-activedescendant");
      source.setAttribute("aria-expanded", "false");
    }

    function update() {
      var caret = source.selectionStart;
      if (caret <= state.slash || source.value.charAt(state.slash) !== "/" || /\s/.test(typed())) {
        close();
        return;
      }
      state.shown = matching(snippets, typed());
      state.active = 0;
      render();
    }

    function choose(snippet) {
      var start = state.slash;
      var end = source.selectionStart;
      close();
      insertSnippet(source, snippet, start, end);
    }

    source.addEventListener("input", function (event) {
      if (event.isComposing) return;
      if (state) {
        update();
        return;
      }
      var caret = source.selectionStart;
      var atLineStart = caret === 1 || source.value.charAt(caret - 2) === "\n";
      if (event.data === "/" && caret === source.selectionEnd && atLineStart && source.value.charAt(caret - 1) === "/") {
        open(caret - 1);
      }
    });
    source.addEventListener("keydown", function (event) {
      if (!state || event.isComposing) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (!state.shown.length) return;
        var step = event.key === "ArrowDown" ? 1 : -1;
        state.active = (state.active + step + state.shown.length) % state.shown.length;
        render();
      } else if (event.key === "Enter" || event.key === "Tab") {
        if (!state.shown.length) {
          close();
          return;
        }
        event.preventDefault();
        choose(state.shown[state.active]);
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
    source.addEventListener("keyup", function (event) {
      if (state && (event.key === "ArrowLeft" || event.key === "ArrowRight" || event.key === "Home" || event.key === "End")) {
        update();
      }
    });
    source.addEventListener("blur", function () {
      if (state) close();
    });
    source.addEventListener("mousedown", function () {
      if (state) close();
    });
  }

  // Live counts ----------------------------------------------------------------------------------

  // Characters counted one by one, as the server does (markup/cjk.py COUNTED_ONE_BY_ONE):
  // ideographs, kana, hangul, CJK punctuation and full-width forms.
  var CJK =
    /[\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3130-\u318f\u31a0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\u{20000}-\u{3134f}]/gu;

  // The text a reader reads, roughly, from the Markdown: the server counts the rendered page
  // (markup/summaries.py reading_minutes), so the syntax that does not reach the page goes:
  // fence lines, HTML tags, image and link targets (a link keeps its text, an image nothing,
  // as alt text is not read), footnote marks, the markers that start a heading, quote, list
  // item or admonition (its title stays), table rules and pipes, emphasis marks and the
  // backslash of an escape. Code and formulas stay, as on the page (their text is counted).
  function readableText(markdown) {
    return markdown
      .replace(/^ {0,3}(`{3,}|~{3,}).*$/gm, " ")
      .replace(/<\/?[a-zA-Z][^>\n]*>/g, " ")
      .replace(/!\[[^\]\n]*\]\([^)\n]*\)/g, " ")
      .replace(/\[([^\]\n]*)\]\([^)\n]*\)/g, "$1")
      .replace(/\[\^[^\]\n]+\]:?/g, " ")
      .replace(/^ {0,3}(!!!|\?\?\?\+?) *[\w-]+ */gm, " ")
      .replace(/^ *(#{1,6}|>+|[-*+]( \[[ xX]\])?|\d+[.)]) +/gm, " ")
      .replace(/^ *\|? *:?-{2,}:? *(\| *:?-{2,}:? *)*\|? *$/gm, " ")
      .replace(/\|/g, " ")
      .replace(/\*\*|__|~~|[*`"]/g, "")
      .replace(/\\(?=[^A-Za-z\s])/g, "");
  }

  function countText(markdown) {
    var text = readableText(markdown);
    var cjk = (text.match(CJK) || []).length;
    var words = text.replace(CJK, " ").split(/\s+/).filter(Boolean).length;
    var characters = Array.from(text.replace(/\s+/g, "")).length;
    return { cjk: cjk, words: words, characters: characters };
  }

  function countsText(words, characters, minutes) {
    if (CHINESE) return words + " 字 · " + characters + " 字符 · 约 " + minutes + " 分钟读完";
    var format = function (n) {
      return n.toLocaleString("en");
    };
    return (
      format(words) + (words === 1 ? " word" : " words") + " · " + format(characters) +
      (characters === 1 ? " character" : " characters") + " · " + minutes + " min read"
    );
  }

  // Words (each CJK character one word), characters and the reading time, as the author types.
  function setUpCounts(source, toolbar) {
    var line = document.createElement("span");
    line.className = "kb-editor-counts";
    toolbar.appendChild(line);
    var perMinute = Number(source.dataset.wordsPerMinute) || 200;
    var cjkPerMinute = Number(source.dataset.cjkPerMinute) || 400;
    var timer = null;

    function update() {
      var counts = countText(source.value);
      var minutes = Math.max(1, Math.ceil(counts.cjk / cjkPerMinute + counts.words / perMinute));
      var words = counts.cjk + counts.words;
      line.dataset.words = String(words);
      line.dataset.characters = String(counts.characters);
      line.dataset.minutes = String(minutes);
      line.textContent = countsText(words, counts.characters, minutes);
    }

    source.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(update, 150);
    });
    update();
  }

  // Images ---------------------------------------------------------------------------------

  // After an image is inserted as ![](url): a small field beside it, focused, whose text is
  // written between the brackets as the author types. Enter or Escape closes it (so does
  // leaving it); the text stays. An image left without alt text is flagged when saving.
  var closeAltField = null; // the field open now, if any: one at a time

  function askAltText(source, frame, url) {
    if (closeAltField) closeAltField(false);
    var box = document.createElement("div");
    box.className = "kb-alt-field";
    var input = document.createElement("input");
    input.type = "text";
    input.id = newId("kb-alt-text");
    input.placeholder = label("Describe the image for readers who cannot see it");
    var caption = document.createElement("label");
    caption.htmlFor = input.id;
    caption.textContent = label("Alt text");
    box.appendChild(caption);
    box.appendChild(input);

    function located() {
      var value = source.value;
      var close = value.indexOf("](" + url + ")");
      var open = close < 0 ? -1 : value.lastIndexOf("![", close);
      return open < 0 ? null : { start: open + 2, end: close };
    }

    var image = located();
    if (!image) return;
    frame.appendChild(box);
    placeAt(box, source, framePoint(source, image.start - 2));
    input.focus();

    function write(alt) {
      var range = located();
      if (!range) return false;
      if (source.value.slice(range.start, range.end) !== alt) {
        source.setRangeText(alt, range.start, range.end, "preserve");
        source.dispatchEvent(new Event("input", { bubbles: true }));
      }
      return true;
    }

    var closed = false;
    function close(backToSource) {
      if (closed) return;
      closed = true;
      closeAltField = null;
      write(input.value.replace(/[\[\]\r\n]+/g, " ").trim());
      if (box.parentNode) box.parentNode.removeChild(box);
      var range = located();
      if (backToSource && range) {
        var after = range.end + url.length + 3; // past "](url)"
        source.focus();
        source.setSelectionRange(after, after);
      }
    }
    closeAltField = close;

    input.addEventListener("input", function () {
      if (!write(input.value.replace(/[\[\]\r\n]+/g, " "))) close(false); // the image was deleted
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === "Escape") {
        event.preventDefault();
        close(true);
      }
    });
    input.addEventListener("blur", function () {
      close(false);
    });
  }

  function setUpImages(source, form, status, toolbar, frame) {
    function upload(file) {
      if (!file) return;
      var data = new FormData();
      data.append("image", file, file.name || "pasted-image.png");
      status.show(label("Uploading {name}…", { name: file.name || label("the image") }), false);
      post(source.dataset.uploadUrl, form, data)
        .then(function (answer) {
          if (answer.error || !answer.url) {
            status.show(answer.error || label("The image was not stored."), true);
            return;
          }
          replaceRange(source, source.selectionStart, source.selectionEnd, "![](" + answer.url + ")");
          status.show(label("Image inserted."), false);
          askAltText(source, frame, answer.url);
        })
        .catch(function () {
          status.show(label("The image could not be uploaded."), true);
        });
    }

    var chooser = document.createElement("input");
    chooser.type = "file";
    chooser.accept = "image/png,image/jpeg,image/gif,image/webp";
    chooser.className = "kb-file-chooser";
    chooser.setAttribute("aria-label", label("Choose an image to insert"));
    chooser.addEventListener("change", function () {
      upload(chooser.files[0]);
      chooser.value = "";
    });
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button kb-insert-image";
    button.textContent = label("Insert image…");
    button.addEventListener("click", function () {
      chooser.click();
    });
    toolbar.appendChild(button);
    toolbar.appendChild(chooser);

    source.addEventListener("paste", function (event) {
      var files = event.clipboardData && event.clipboardData.files;
      if (files && files.length) {
        event.preventDefault();
        upload(files[0]);
      }
    });
    source.addEventListener("dragover", function (event) {
      if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") >= 0) {
        event.preventDefault();
        source.classList.add("kb-drop-target");
      }
    });
    source.addEventListener("dragleave", function () {
      source.classList.remove("kb-drop-target");
    });
    source.addEventListener("drop", function (event) {
      source.classList.remove("kb-drop-target");
      var files = event.dataTransfer && event.dataTransfer.files;
      if (files && files.length) {
        event.preventDefault();
        upload(files[0]);
      }
    });
  }

  // Tag suggestions --------------------------------------------------------------------------

  function setUpTagSuggestions(input) {
    var list = document.createElement("ul");
    list.className = "kb-suggestions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.parentNode.insertBefore(list, input.nextSibling);
    input.setAttribute("aria-autocomplete", "list");
    var timer = null;
    var active = -1;

    function fragment() {
      var parts = input.value.split(",");
      return parts[parts.length - 1].trim();
    }

    function choose(name) {
      var parts = input.value.split(",");
      parts[parts.length - 1] = (parts.length > 1 ? " " : "") + name;
      input.value = parts.join(",") + ", ";
      list.hidden = true;
      input.focus();
    }

    function render(tags) {
      list.textContent = "";
      active = -1;
      var typed = input.value
        .split(",")
        .map(function (name) {
          return name.trim().toLowerCase();
        });
      tags = tags.filter(function (tag) {
        return typed.indexOf(tag.name.toLowerCase()) < 0 || tag.name.toLowerCase() === fragment().toLowerCase();
      });
      tags.forEach(function (tag) {
        var item = document.createElement("li");
        item.setAttribute("role", "option");
        item.textContent = tag.name;
        var uses = document.createElement("span");
        uses.className = "kb-suggestion-uses";
        uses.textContent = " " + tag.uses;
        item.appendChild(uses);
        item.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep the focus in the input
          choose(tag.name);
        });
        list.appendChild(item);
      });
      list.hidden = tags.length === 0;
    }

    function highlight(index) {
      var items = list.querySelectorAll("li");
      if (!items.length) return;
      active = (index + items.length) % items.length;
      items.forEach(function (item, i) {
        item.classList.toggle("kb-active", i === active);
      });
    }

    input.addEventListener("input", function (event) {
      if (event.isComposing) return;
      clearTimeout(timer);
      timer = setTimeout(function () {
        fetch(input.dataset.suggestUrl + "?q=" + encodeURIComponent(fragment()), { credentials: "same-origin" })
          .then(function (response) {
            return response.json();
          })
          .then(function (answer) {
            render(answer.tags || []);
          })
          .catch(function () {
            list.hidden = true;
          });
      }, 150);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden || event.isComposing) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        highlight(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        choose(list.querySelectorAll("li")[active].firstChild.textContent);
      } else if (event.key === "Escape") {
        list.hidden = true;
      }
    });
    input.addEventListener("blur", function () {
      list.hidden = true;
    });
  }

  // A form too large for the server ------------------------------------------------------------

  // The server cannot read a request past its limit (DATA_UPLOAD_MAX_MEMORY_SIZE) and would
  // answer with an error page, the text left behind: refuse to send it, and keep the page.
  function setUpSizeCheck(source, form, status) {
    var limit = Number(source.dataset.maxRequestBytes);
    if (!limit) return;
    form.addEventListener("submit", function (event) {
      var size = formBytes(form);
      if (size <= limit) return;
      event.preventDefault();
      status.show(
        label(
          "Not sent: the form is {size} as sent, and the server reads at most {limit}. Shorten the text or " +
            "split it into several articles; it is kept here.",
          { size: megabytes(size), limit: megabytes(limit) }
        ),
        true
      );
      status.element.scrollIntoView({ block: "center" });
    });
  }

  // Ctrl/Cmd+S ---------------------------------------------------------------------------------

  function setUpSaveShortcut(form) {
    document.addEventListener("keydown", function (event) {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "s") {
        event.preventDefault();
        var button = form.querySelector("input[name=_continue]") || form.querySelector("input[name=_save]");
        if (button) button.click();
      }
    });
  }

  // One line of messages beside the toolbar. A message of a kind ("preview", "math") is
  // cleared by that kind only, once its cause is gone: a later message is not wiped by it.
  function statusLine() {
    var line = document.createElement("span");
    line.className = "kb-editor-status";
    line.setAttribute("role", "status");
    return {
      element: line,
      show: function (message, isError, kind) {
        line.textContent = message;
        line.classList.toggle("kb-editor-error", !!isError);
        line.dataset.kind = kind || "";
      },
      clear: function (kind) {
        if (kind && line.dataset.kind !== kind) return;
        line.textContent = "";
        line.classList.remove("kb-editor-error");
        line.dataset.kind = "";
      },
    };
  }

  document.addEventListener("DOMContentLoaded", function () {
    var source = document.querySelector("textarea.kb-source[data-preview-url]");
    if (!source || source.disabled || source.readOnly) return;
    var form = source.form;
    var toolbar = document.createElement("div");
    toolbar.className = "kb-editor-toolbar";
    source.parentNode.insertBefore(toolbar, source);
    // The source box's frame: the alt text field and the / palette are laid over it.
    var frame = document.createElement("div");
    frame.className = "kb-source-frame";
    var status = statusLine();
    var snippets = loadSnippets();
    setUpImages(source, form, status, toolbar, frame);
    setUpInsertMenu(source, toolbar, snippets, status);
    toolbar.appendChild(status.element);
    setUpCounts(source, toolbar);
    setUpPreview(source, form, status, frame);
    setUpCommandPalette(source, frame, snippets);
    var tags = document.querySelector("input[data-suggest-url]");
    if (tags) setUpTagSuggestions(tags);
    setUpSizeCheck(source, form, status);
    setUpSaveShortcut(form);
  });
})();
