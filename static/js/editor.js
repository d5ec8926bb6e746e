// The article editor in the admin: Markdown source beside a live preview rendered by the
// server (the published page's pipeline, sanitiser and MathJax configuration), image upload
// by file choice, paste or drop, tag suggestions, and Ctrl/Cmd+S to save.
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
        return { error: "You are logged out: log in again in another tab, then carry on (your text is kept here)." };
      }
      return response.json().catch(function () {
        return { error: "The server answered " + response.status + "." };
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

  // Live preview -------------------------------------------------------------------------

  function setUpPreview(source, form, status) {
    var pane = document.createElement("div");
    pane.className = "kb-preview";
    pane.setAttribute("aria-label", "Preview");
    pane.tabIndex = 0;
    var body = document.createElement("div");
    body.className = "kb-preview-body";
    pane.appendChild(body);
    var editor = document.createElement("div");
    editor.className = "kb-editor";
    source.parentNode.insertBefore(editor, source);
    editor.appendChild(source);
    editor.appendChild(pane);

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
        .catch(function (error) {
          status.show("Formulas could not be typeset: " + error.message, true);
        })
        .then(function () {
          pane.scrollTop = scroll; // typesetting changes heights; keep the author's place
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
          "Preview: the text is " + megabytes(size) + ", more than the server reads (" + megabytes(limit) + ").",
          true
        );
        return;
      }
      var data = new FormData();
      data.append("body", source.value);
      post(source.dataset.previewUrl, form, data)
        .then(function (answer) {
          if (number !== sent) return; // a newer request is on its way
          if (answer.error) {
            pane.classList.add("kb-preview-error");
            status.show("Preview: " + answer.error, true);
            return;
          }
          if (pane.classList.contains("kb-preview-error")) {
            pane.classList.remove("kb-preview-error");
            status.clear(); // the preview's own error message, now resolved
          }
          return show(answer.html);
        })
        .catch(function () {
          status.show("The preview could not reach the server.", true);
        });
    }

    function schedule() {
      if (composing) return; // wait for the input method to finish the word
      clearTimeout(timer);
      timer = setTimeout(refresh, PREVIEW_DELAY_MS);
    }

    source.addEventListener("input", schedule);
    source.addEventListener("compositionstart", function () {
      composing = true;
    });
    source.addEventListener("compositionend", function () {
      composing = false;
      schedule();
    });
    refresh();
  }

  // Images ---------------------------------------------------------------------------------

  function altFrom(name) {
    return (name || "")
      .replace(/\.[a-z0-9]+$/i, "")
      .replace(/[-_]+/g, " ")
      .trim();
  }

  function insertAtCursor(source, text) {
    var start = source.selectionStart;
    var end = source.selectionEnd;
    source.focus();
    source.setRangeText(text, start, end, "end");
    source.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function setUpImages(source, form, status, toolbar) {
    function upload(file) {
      if (!file) return;
      var alt = window.prompt(
        "Describe the image for readers who cannot see it (alt text):",
        altFrom(file.name) || "image"
      );
      if (alt === null) {
        status.show("Image not inserted.", false);
        return;
      }
      alt = alt.replace(/[\[\]\r\n]+/g, " ").trim();
      var data = new FormData();
      data.append("image", file, file.name || "pasted-image.png");
      status.show("Uploading " + (file.name || "the image") + "…", false);
      post(source.dataset.uploadUrl, form, data)
        .then(function (answer) {
          if (answer.error || !answer.url) {
            status.show(answer.error || "The image was not stored.", true);
            return;
          }
          insertAtCursor(source, "![" + alt + "](" + answer.url + ")");
          status.show("Image inserted.", false);
        })
        .catch(function () {
          status.show("The image could not be uploaded.", true);
        });
    }

    var chooser = document.createElement("input");
    chooser.type = "file";
    chooser.accept = "image/png,image/jpeg,image/gif,image/webp";
    chooser.className = "kb-file-chooser";
    chooser.setAttribute("aria-label", "Choose an image to insert");
    chooser.addEventListener("change", function () {
      upload(chooser.files[0]);
      chooser.value = "";
    });
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button kb-insert-image";
    button.textContent = "Insert image…";
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
        "Not sent: the form is " + megabytes(size) + " as sent, and the server reads at most " +
          megabytes(limit) + ". Shorten the text or split it into several articles; it is kept here.",
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

  function statusLine(toolbar) {
    var line = document.createElement("span");
    line.className = "kb-editor-status";
    line.setAttribute("role", "status");
    toolbar.appendChild(line);
    return {
      element: line,
      show: function (message, isError) {
        line.textContent = message;
        line.classList.toggle("kb-editor-error", !!isError);
      },
      clear: function () {
        line.textContent = "";
        line.classList.remove("kb-editor-error");
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
    var status = statusLine(toolbar);
    setUpImages(source, form, status, toolbar);
    setUpPreview(source, form, status);
    var tags = document.querySelector("input[data-suggest-url]");
    if (tags) setUpTagSuggestions(tags);
    setUpSizeCheck(source, form, status);
    setUpSaveShortcut(form);
  });
})();
