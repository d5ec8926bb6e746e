// Never lose text: the article form's fields are kept in this browser (localStorage, one place
// per user and article: the body's data-autosave-key) while the form is open; reopening the
// form after a crash, a closed tab or a failed save offers to restore them, with what differs.
// Leaving the form with unsaved changes asks first (beforeunload and the admin's own links).
// A draft is also saved to the server every DRAFT_EVERY_MS while it changes (the body's
// data-draft-save-url, set for drafts only: a published article is never saved on its own).
// Served by the site itself; no inline script: the key and version come from data- attributes.
(function () {
  "use strict";

  var PREFIX = "kb-autosave:";
  var SUBMITTED = "kb-autosave-submitted"; // sessionStorage: the key of the form this tab sent
  var SAVE_DELAY_MS = 1500; // after the last keystroke
  var MAX_WAIT_MS = 5000; // at the latest, while typing goes on
  var CHECK_EVERY_MS = 5000; // changes made without input events (date shortcuts, scripts)
  var MAX_AGE_MS = 30 * 24 * 3600 * 1000;
  var MAX_ENTRIES = 30;
  var MAX_CHARS = 2 * 1024 * 1024; // all entries together, in UTF-16 code units
  var SUBMIT_MARK_MS = 10 * 60 * 1000;
  var DRAFT_EVERY_MS = 30000;
  var MAX_EDITS = 1000; // the line diff gives up past this many changed lines: bounded time
  var SHOWN_LINES = 40;
  var SHOWN_CHARS = 80;
  // Reset by every save: a difference only there does not make text worth offering again.
  var PER_SAVE_FIELDS = ["change_note"];

  var STRINGS = {
    en: {
      kept: "Unsaved text from {time} was kept in this browser.",
      newer:
        "The article was saved since (version {form}; this text was written at version {kept}): " +
        "compare before restoring.",
      differs: "It differs from the form in:",
      legend: "Lines marked − are in the form now; lines marked + are in the kept text.",
      line: "Line {n}",
      more: "… and {n} more changed lines",
      tooDifferent: "Too different to list line by line: {kept} lines kept, {form} lines in the form.",
      restore: "Restore",
      discard: "Discard",
      paused: "Autosave resumes once you restore or discard it.",
      empty: "(empty)",
      yes: "yes",
      no: "no",
      savedAt: "Kept in this browser at {time}",
      restored: "Kept text restored: check it, then save.",
      discarded: "Kept text discarded.",
      full: "This browser's storage is full: unsaved text is not kept here. Save the article to keep it.",
      blocked: "This browser does not let the page keep text: save the article to keep it.",
      leave: "You have unsaved changes. Leave this page?",
      draftSaved: "Draft saved at {time}",
    },
    "zh-hans": {
      kept: "本浏览器保留了 {time} 未保存的文字。",
      newer: "此后文章已被保存（现为第 {form} 版，这段文字写于第 {kept} 版）：恢复前请先比较。",
      differs: "与表单中不同的是：",
      legend: "标 − 的行是表单中现有的；标 + 的行是保留的文字。",
      line: "第 {n} 行",
      more: "……另有 {n} 行改动",
      tooDifferent: "差别太大，无法逐行列出：保留的文字 {kept} 行，表单中 {form} 行。",
      restore: "恢复",
      discard: "丢弃",
      paused: "恢复或丢弃后，自动保存将继续。",
      empty: "（空）",
      yes: "是",
      no: "否",
      savedAt: "已于 {time} 保存在本浏览器",
      restored: "已恢复保留的文字：请检查后保存。",
      discarded: "已丢弃保留的文字。",
      full: "本浏览器的存储空间已满，未保存的文字无法保留在这里。请保存文章。",
      blocked: "本浏览器不允许网页保留文字，请保存文章。",
      leave: "有未保存的更改。确定离开此页面吗？",
      draftSaved: "草稿已于 {time} 保存",
    },
  };

  var lang = (document.documentElement.lang || "en").toLowerCase();
  var strings = lang.indexOf("zh") === 0 ? STRINGS["zh-hans"] : STRINGS.en;

  function t(name, values) {
    return strings[name].replace(/\{(\w+)\}/g, function (whole, key) {
      return values && key in values ? String(values[key]) : whole;
    });
  }

  function formatTime(ms, withDate) {
    var options = withDate
      ? { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" }
      : { hour: "2-digit", minute: "2-digit", second: "2-digit" };
    try {
      return new Date(ms).toLocaleString(lang, options);
    } catch (error) {
      return new Date(ms).toLocaleString();
    }
  }

  // Storage that never throws ------------------------------------------------------------------

  function openStorage(name) {
    try {
      var storage = window[name];
      var probe = PREFIX + "probe";
      storage.setItem(probe, "1");
      storage.removeItem(probe);
      return storage;
    } catch (error) {
      // Blocked (privacy settings), or full: a full one still reads and removes.
      try {
        return window[name] || null;
      } catch (ignored) {
        return null;
      }
    }
  }

  function read(storage, key) {
    if (!storage) return null;
    try {
      var entry = JSON.parse(storage.getItem(key));
      return entry && typeof entry === "object" && entry.fields ? entry : null;
    } catch (error) {
      return null;
    }
  }

  function remove(storage, key) {
    try {
      if (storage) storage.removeItem(key);
    } catch (error) {
      /* nothing to keep */
    }
  }

  // The entries of this site, oldest first.
  function entries(storage) {
    var found = [];
    if (!storage) return found;
    try {
      for (var i = 0; i < storage.length; i++) {
        var key = storage.key(i);
        if (key && key.indexOf(PREFIX) === 0 && key !== PREFIX + "probe") {
          var text = storage.getItem(key) || "";
          var entry = read(storage, key);
          found.push({ key: key, savedAt: entry ? Number(entry.savedAt) || 0 : 0, size: key.length + text.length });
        }
      }
    } catch (error) {
      return found;
    }
    return found.sort(function (a, b) {
      return a.savedAt - b.savedAt;
    });
  }

  // Old entries go; past the count or size, the oldest go first (never `keep`).
  function prune(storage, keep, extraChars) {
    var now = Date.now();
    var list = entries(storage).filter(function (item) {
      if (item.key !== keep && (!item.savedAt || now - item.savedAt > MAX_AGE_MS)) {
        remove(storage, item.key);
        return false;
      }
      return true;
    });
    var total = list.reduce(function (sum, item) {
      return sum + item.size;
    }, extraChars || 0);
    for (var i = 0; i < list.length && (list.length - i > MAX_ENTRIES || total > MAX_CHARS); i++) {
      if (list[i].key === keep) continue;
      remove(storage, list[i].key);
      total -= list[i].size;
    }
  }

  // true when written; false when the storage is full (after making what room it may) or blocked.
  function write(storage, key, entry) {
    if (!storage) return false;
    var text = JSON.stringify(entry);
    prune(storage, key, key.length + text.length);
    for (var attempt = 0; attempt < 10; attempt++) {
      try {
        storage.setItem(key, text);
        return true;
      } catch (error) {
        var others = entries(storage).filter(function (item) {
          return item.key !== key;
        });
        if (!others.length) break;
        remove(storage, others[0].key);
      }
    }
    remove(storage, key); // an older version of this text is worse than none: it would be offered
    return false;
  }

  // Fields -------------------------------------------------------------------------------------

  var SKIPPED_TYPES = ["hidden", "submit", "button", "reset", "file", "image", "password"];

  function fieldGroups(form) {
    var groups = {};
    var names = [];
    Array.prototype.forEach.call(form.elements, function (element) {
      var name = element.name;
      if (!name || name === "csrfmiddlewaretoken" || name === "version" || element.disabled) return;
      if (["INPUT", "SELECT", "TEXTAREA"].indexOf(element.tagName) < 0) return;
      if (SKIPPED_TYPES.indexOf(element.type) >= 0) return;
      if (!groups[name]) {
        groups[name] = [];
        names.push(name);
      }
      groups[name].push(element);
    });
    return { names: names, groups: groups };
  }

  function isChoice(element) {
    return element.type === "checkbox" || element.type === "radio";
  }

  function selectValue(select, useDefaults) {
    var chosen = Array.prototype.filter.call(select.options, function (option) {
      return useDefaults ? option.defaultSelected : option.selected;
    });
    if (select.multiple) {
      return chosen.map(function (option) {
        return option.value;
      });
    }
    if (chosen.length) return chosen[chosen.length - 1].value;
    if (useDefaults && select.options.length && select.size <= 1) return select.options[0].value;
    return "";
  }

  // The value of one named field: what the form shows now, or what the server sent.
  function valueOf(elements, useDefaults) {
    var first = elements[0];
    if (isChoice(first)) {
      var checked = elements.filter(function (element) {
        return useDefaults ? element.defaultChecked : element.checked;
      });
      if (first.type === "radio") return checked.length ? checked[0].value : "";
      if (elements.length === 1) return checked.length === 1;
      return checked.map(function (element) {
        return element.value;
      });
    }
    if (first.tagName === "SELECT") return selectValue(first, useDefaults);
    return useDefaults ? first.defaultValue : first.value;
  }

  function snapshot(fields, useDefaults) {
    var values = {};
    fields.names.forEach(function (name) {
      values[name] = valueOf(fields.groups[name], useDefaults);
    });
    return values;
  }

  function same(a, b) {
    return JSON.stringify(a) === JSON.stringify(b);
  }

  // The options' texts of the selects, to show and to restore an option the page lacks (the
  // series box only has its selected option until searched).
  function selectLabels(fields) {
    var labels = {};
    fields.names.forEach(function (name) {
      var first = fields.groups[name][0];
      if (first.tagName !== "SELECT") return;
      labels[name] = {};
      Array.prototype.forEach.call(first.selectedOptions, function (option) {
        labels[name][option.value] = option.text;
      });
    });
    return labels;
  }

  function setValue(elements, value, labels) {
    var first = elements[0];
    if (isChoice(first)) {
      elements.forEach(function (element) {
        element.checked =
          typeof value === "boolean" ? value : Array.isArray(value) ? value.indexOf(element.value) >= 0 : element.value === value;
      });
      return;
    }
    if (first.tagName === "SELECT") {
      var wanted = Array.isArray(value) ? value : [value];
      wanted.forEach(function (one) {
        var exists = Array.prototype.some.call(first.options, function (option) {
          return option.value === one;
        });
        if (!exists && one !== "") {
          var text = (labels && labels[one]) || one;
          first.appendChild(new Option(text, one));
        }
      });
      Array.prototype.forEach.call(first.options, function (option) {
        option.selected = wanted.indexOf(option.value) >= 0;
      });
      return;
    }
    first.value = value;
  }

  function labelOf(form, name, elements) {
    var ids = [elements[0].id, elements[0].id.replace(/_\d+$/, "_0")];
    for (var i = 0; i < ids.length; i++) {
      var label = ids[i] && form.querySelector('label[for="' + ids[i] + '"]');
      if (label) return label.textContent.replace(/[:：]\s*$/, "").trim();
    }
    return name;
  }

  function shown(value, labels) {
    if (typeof value === "boolean") return t(value ? "yes" : "no");
    var list = (Array.isArray(value) ? value : [value]).map(function (one) {
      return (labels && labels[one]) || one;
    });
    var text = list.join(", ").replace(/\s+/g, " ").trim();
    if (!text) return t("empty");
    return text.length > SHOWN_CHARS ? text.slice(0, SHOWN_CHARS - 1) + "…" : text;
  }

  // Line diff (Myers), bounded --------------------------------------------------------------------

  // The changed lines from `before` to `after`, in order: {sign: "-" (a line of before only) or
  // "+" (of after only), text, line: where it stands in `after`, first: whether it starts a run
  // of changes}; null when more than maxEdits lines changed (the time stays bounded).
  function lineDiff(before, after, maxEdits) {
    var a = before === "" ? [] : before.split("\n");
    var b = after === "" ? [] : after.split("\n");
    var start = 0;
    while (start < a.length && start < b.length && a[start] === b[start]) start++;
    var endA = a.length;
    var endB = b.length;
    while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
      endA--;
      endB--;
    }
    var A = a.slice(start, endA);
    var B = b.slice(start, endB);
    var n = A.length;
    var m = B.length;
    var edits = []; // [sign, x, y]: at (x, y), delete A[x] or insert B[y]
    if (n === 0 || m === 0) {
      A.forEach(function (line, i) {
        edits.push(["-", i, 0]);
      });
      B.forEach(function (line, i) {
        edits.push(["+", n, i]);
      });
    } else {
      var limit = Math.min(n + m, maxEdits);
      var offset = limit + 1;
      var v = new Int32Array(2 * limit + 3);
      var trace = [];
      var found = -1;
      for (var d = 0; d <= limit && found < 0; d++) {
        trace.push(v.slice(offset - d, offset + d + 1)); // v before step d, for k in [-d, d]
        for (var k = -d; k <= d; k += 2) {
          var down = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]);
          var x = down ? v[offset + k + 1] : v[offset + k - 1] + 1;
          var y = x - k;
          while (x < n && y < m && A[x] === B[y]) {
            x++;
            y++;
          }
          v[offset + k] = x;
          if (x >= n && y >= m) {
            found = d;
            break;
          }
        }
      }
      if (found < 0) return null;
      x = n;
      y = m;
      for (d = found; d > 0; d--) {
        var row = trace[d];
        k = x - y;
        down = k === -d || (k !== d && row[k - 1 + d] < row[k + 1 + d]);
        var previousK = down ? k + 1 : k - 1;
        x = row[previousK + d];
        y = x - previousK;
        edits.push([down ? "+" : "-", x, y]);
      }
      edits.reverse();
    }
    var end = null;
    return edits.map(function (edit) {
      var sign = edit[0];
      var x = edit[1];
      var y = edit[2];
      var first = !end || end[0] !== x || end[1] !== y;
      end = sign === "+" ? [x, y + 1] : [x + 1, y];
      return { sign: sign, text: sign === "+" ? B[y] : A[x], line: start + y + 1, first: first };
    });
  }

  // The banner ---------------------------------------------------------------------------------

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function bodyDiff(formText, keptText) {
    var box = element("div", "kb-autosave-diff");
    var changes = lineDiff(formText, keptText, MAX_EDITS);
    if (changes === null) {
      box.appendChild(
        element(
          "p",
          "kb-autosave-too-different",
          t("tooDifferent", { kept: keptText.split("\n").length, form: formText.split("\n").length })
        )
      );
      return box;
    }
    box.appendChild(element("p", "kb-autosave-legend", t("legend")));
    var lines = element("div", "kb-autosave-lines");
    changes.slice(0, SHOWN_LINES).forEach(function (change) {
      if (change.first) lines.appendChild(element("div", "kb-autosave-hunk", t("line", { n: change.line })));
      var line = element("div", change.sign === "+" ? "kb-autosave-add" : "kb-autosave-del");
      line.appendChild(element("span", "kb-autosave-sign", change.sign === "+" ? "+" : "−"));
      line.appendChild(element("span", "kb-autosave-text", change.text));
      lines.appendChild(line);
    });
    box.appendChild(lines);
    if (changes.length > SHOWN_LINES) {
      box.appendChild(element("p", "kb-autosave-more", t("more", { n: changes.length - SHOWN_LINES })));
    }
    return box;
  }

  function banner(form, fields, entry, differing, formVersion, onRestore, onDiscard) {
    var box = element("div", "kb-autosave-banner");
    box.id = "kb-autosave-banner";
    box.setAttribute("role", "region");
    box.setAttribute("aria-labelledby", "kb-autosave-title");
    var title = element("p", "kb-autosave-title");
    title.id = "kb-autosave-title";
    var parts = t("kept").split("{time}");
    title.appendChild(document.createTextNode(parts[0]));
    var time = element("time", "", formatTime(entry.savedAt, true));
    time.dateTime = new Date(entry.savedAt).toISOString();
    title.appendChild(time);
    title.appendChild(document.createTextNode(parts[1] || ""));
    box.appendChild(title);
    if (Number(entry.version) < formVersion) {
      box.appendChild(element("p", "kb-autosave-stale", t("newer", { form: formVersion, kept: entry.version })));
    }
    box.appendChild(element("p", "", t("differs")));
    var list = element("ul", "kb-autosave-fields");
    var current = snapshot(fields, false);
    differing.forEach(function (name) {
      var elements = fields.groups[name];
      var item = element("li");
      item.setAttribute("data-field", name);
      item.appendChild(element("strong", "", labelOf(form, name, elements)));
      if (elements[0].tagName === "TEXTAREA" && (name === "body" || /\n/.test(entry.fields[name] + current[name]))) {
        item.appendChild(bodyDiff(String(current[name]), String(entry.fields[name])));
      } else {
        var labels = (entry.labels || {})[name];
        item.appendChild(document.createTextNode(": "));
        item.appendChild(element("q", "", shown(entry.fields[name], labels)));
      }
      list.appendChild(item);
    });
    box.appendChild(list);
    var actions = element("p", "kb-autosave-actions");
    var restore = element("button", "button kb-autosave-restore", t("restore"));
    restore.type = "button";
    restore.addEventListener("click", onRestore);
    var discard = element("button", "button kb-autosave-discard", t("discard"));
    discard.type = "button";
    discard.addEventListener("click", onDiscard);
    actions.appendChild(restore);
    actions.appendChild(document.createTextNode(" "));
    actions.appendChild(discard);
    actions.appendChild(element("span", "kb-autosave-paused", t("paused")));
    box.appendChild(actions);
    return box;
  }

  function statusLine(source) {
    var line = element("span", "kb-autosave-status");
    line.setAttribute("role", "status");
    var toolbar = document.querySelector(".kb-editor-toolbar");
    if (toolbar) toolbar.appendChild(line);
    else source.parentNode.insertBefore(line, source);
    return {
      show: function (message, isError) {
        line.textContent = message;
        line.classList.toggle("kb-autosave-error", !!isError);
      },
    };
  }

  // A save this tab sent: where the admin answers with its success message, the text is saved.
  function forgetSavedText(local, session) {
    var mark = null;
    try {
      mark = session && JSON.parse(session.getItem(SUBMITTED));
    } catch (error) {
      mark = null;
    }
    if (!mark) return;
    remove(session, SUBMITTED);
    var saved = document.querySelector(".messagelist .success") && !document.querySelector(".errornote, #kb-conflict");
    if (saved && Date.now() - Number(mark.at) < SUBMIT_MARK_MS && String(mark.key).indexOf(PREFIX) === 0) {
      remove(local, mark.key);
    }
  }

  // The form ---------------------------------------------------------------------------------------

  function setUp(source, local, session) {
    var form = source.form;
    var key = source.getAttribute("data-autosave-key");
    var formVersion = Number(source.getAttribute("data-autosave-version")) || 0;
    var fields = fieldGroups(form);
    var status = statusLine(source);
    // A page that answers a refused save shows the author's text, which the server does not have.
    var failedSave = !!form.querySelector(".errornote, #kb-conflict, .errorlist");
    var initial = snapshot(fields, true);
    var stored = read(local, key);
    var paused = false;
    var submitting = false;
    var leaving = false;
    var lastWritten = null;
    var wrote = false; // this page keeps an entry (a clean page leaves another tab's alone)
    var timer = null;
    var firstChange = 0;
    // The fields an author changed, kept across a refused save (the page's values are theirs).
    var carried = failedSave ? (stored && stored.changed) || fields.names.slice() : [];

    function changedNames(values) {
      return fields.names.filter(function (name) {
        return carried.indexOf(name) >= 0 || !same(values[name], initial[name]);
      });
    }

    function dirty() {
      return failedSave || changedNames(snapshot(fields, false)).length > 0;
    }

    function save() {
      clearTimeout(timer);
      timer = null;
      firstChange = 0;
      if (paused) return;
      var values = snapshot(fields, false);
      var changed = changedNames(values);
      var text = JSON.stringify([values, changed]);
      if (text === lastWritten) return;
      lastWritten = text;
      if (!changed.length) {
        if (wrote) {
          remove(local, key); // back to what the server sent
          wrote = false;
          status.show("", false);
        }
        return;
      }
      var entry = {
        savedAt: Date.now(),
        version: formVersion,
        path: location.pathname,
        changed: changed,
        fields: values,
        labels: selectLabels(fields),
      };
      if (write(local, key, entry)) {
        wrote = true;
        status.show(t("savedAt", { time: formatTime(entry.savedAt, false) }), false);
      } else {
        lastWritten = null; // try again at the next change
        status.show(t(local ? "full" : "blocked"), true);
      }
    }

    function schedule() {
      if (paused) return;
      var now = Date.now();
      if (!firstChange) firstChange = now;
      clearTimeout(timer);
      timer = setTimeout(save, Math.max(0, Math.min(SAVE_DELAY_MS, firstChange + MAX_WAIT_MS - now)));
    }

    function offer(entry) {
      var current = snapshot(fields, false);
      var names = (entry.changed || Object.keys(entry.fields)).filter(function (name) {
        return fields.groups[name] && name in entry.fields;
      });
      var differing = names.filter(function (name) {
        return !same(entry.fields[name], current[name]);
      });
      // A save since then resets the per-save fields; a difference there alone is not worth a word.
      var savedSince = Number(entry.version) < formVersion;
      var worth = differing.filter(function (name) {
        return !(savedSince && PER_SAVE_FIELDS.indexOf(name) >= 0);
      });
      if (!worth.length) {
        if (!failedSave) remove(local, key); // what was kept is what the form shows
        return;
      }
      paused = true;
      var box = banner(
        form,
        fields,
        entry,
        differing,
        formVersion,
        function restore() {
          differing.forEach(function (name) {
            var elements = fields.groups[name];
            setValue(elements, entry.fields[name], (entry.labels || {})[name]);
            elements.forEach(function (one) {
              one.dispatchEvent(new Event("input", { bubbles: true }));
              if (one.tagName === "SELECT" || isChoice(one)) one.dispatchEvent(new Event("change", { bubbles: true }));
            });
          });
          close();
          status.show(t("restored"), false);
          source.focus();
        },
        function discard() {
          remove(local, key);
          close();
          status.show(t("discarded"), false);
        }
      );
      function close() {
        box.parentNode.removeChild(box);
        paused = false;
        lastWritten = null;
        save();
      }
      form.insertBefore(box, form.firstChild);
    }

    if (stored) offer(stored);
    if (failedSave && !paused) save(); // keep what the server refused, now

    // The draft to the server: what was sent becomes what "unsaved" is measured against, and
    // the form's version follows, so that its Save is not refused as stale.
    var draftUrl = source.getAttribute("data-draft-save-url");
    var draftBusy = false;
    var draftStopped = false;
    function saveDraft() {
      if (!draftUrl || draftBusy || draftStopped || paused || submitting || failedSave || !dirty()) return;
      draftBusy = true;
      var sent = snapshot(fields, false);
      var token = form.querySelector("input[name=csrfmiddlewaretoken]");
      fetch(draftUrl, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "X-CSRFToken": token ? token.value : "", "X-Requested-With": "fetch" },
      })
        .then(function (response) {
          return response.json().catch(function () {
            return { error: "" };
          });
        })
        .then(function (answer) {
          if (answer.version !== undefined) {
            formVersion = Number(answer.version) || formVersion;
            if (form.elements.version) form.elements.version.value = formVersion;
            source.setAttribute("data-autosave-version", formVersion);
            initial = sent;
            lastWritten = null;
            save(); // drops the browser's copy when nothing changed since it was sent
            status.show(t("draftSaved", { time: formatTime(Date.now(), false) }), false);
          } else if (answer.conflict) {
            draftStopped = true; // a Save shows the differences; nothing more is sent
            status.show(answer.conflict, true);
          } else if (answer.error) {
            status.show(answer.error, true);
          }
        })
        .catch(function () {
          /* offline: the browser's copy is kept; tried again later */
        })
        .then(function () {
          draftBusy = false;
        });
    }
    if (draftUrl) setInterval(saveDraft, DRAFT_EVERY_MS);

    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    setInterval(function () {
      if (!timer) save();
    }, CHECK_EVERY_MS);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") save();
    });
    window.addEventListener("pagehide", save);

    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented) return; // not sent (the editor's size check)
      submitting = true;
      if (paused) return; // the kept text was neither restored nor discarded: offered again
      save();
      try {
        if (session) session.setItem(SUBMITTED, JSON.stringify({ key: key, at: Date.now() }));
      } catch (error) {
        /* the next page load compares the fields instead */
      }
    });
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) submitting = leaving = false; // back from the page cache
    });

    window.addEventListener("beforeunload", function (event) {
      if (submitting || leaving || !dirty()) return;
      save();
      event.preventDefault();
      event.returnValue = "";
      return "";
    });

    // The admin's own links (breadcrumbs, history, view on site, the sidebar...): a plain
    // click that would replace this page asks first.
    document.addEventListener("click", function (event) {
      if (event.defaultPrevented || event.button !== 0) return;
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
      var link = event.target.closest ? event.target.closest("a[href]") : null;
      if (!link || link.hasAttribute("download")) return;
      var target = (link.getAttribute("target") || "").toLowerCase();
      if (target && target !== "_self" && target !== "_top" && target !== "_parent") return;
      if (link.getAttribute("href").charAt(0) === "#") return;
      var url;
      try {
        url = new URL(link.href, location.href);
      } catch (error) {
        return;
      }
      if (url.protocol !== "http:" && url.protocol !== "https:") return;
      if (url.hash && url.href.split("#")[0] === location.href.split("#")[0]) return;
      if (submitting || !dirty()) return;
      save();
      if (window.confirm(t("leave"))) {
        leaving = true;
      } else {
        event.preventDefault();
      }
    });

    source.setAttribute("data-autosave-ready", "");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var local = openStorage("localStorage");
    var session = openStorage("sessionStorage");
    forgetSavedText(local, session);
    prune(local, null, 0);
    var source = document.querySelector("textarea[data-autosave-key]");
    if (!source || !source.form || source.disabled || source.readOnly) return;
    setUp(source, local, session);
  });
})();
