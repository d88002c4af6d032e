/* tracuu embed widget. On any site:
 *   <script src="https://HOST/embed.js" data-site="SLUG" async></script>
 * renders a search box with autocomplete and results right after the tag, inside a Shadow
 * DOM so neither page's CSS reaches the other. Results follow the text as it is typed. Optional attributes: data-placeholder,
 * data-per-page (1-20), data-color (a #hex accent), data-target (CSS selector of a container).
 * Talks to HOST's /api/search and /api/suggest (CORS). No dependencies, no build step.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.fetch || !Element.prototype.attachShadow) return;
  var base = script.src.replace(/embed\.js([?#].*)?$/, "");
  var site = script.getAttribute("data-site") || "";
  var perPage = Math.min(20, Math.max(1, parseInt(script.getAttribute("data-per-page") || "5", 10) || 5));
  var color = /^#[0-9a-fA-F]{3,8}$/.test(script.getAttribute("data-color") || "") ? script.getAttribute("data-color") : "#0b5394";
  var placeholder = script.getAttribute("data-placeholder") || "Nhập từ khóa tìm kiếm";
  var uid = "tracuu" + Math.random().toString(36).slice(2, 8);

  var host = document.createElement("div");
  host.className = "tracuu-embed";
  var target = script.getAttribute("data-target") && document.querySelector(script.getAttribute("data-target"));
  if (target) target.appendChild(host); else script.parentNode.insertBefore(host, script.nextSibling);
  var root = host.attachShadow({ mode: "open" });

  root.innerHTML =
    "<style>" +
    ":host{all:initial;display:block;font:16px/1.5 system-ui,'Segoe UI',Roboto,Arial,sans-serif;color:#1f2328;--accent:" + color + "}" +
    "*{box-sizing:border-box}form{display:flex;gap:.5rem;flex-wrap:wrap}" +
    ".combo{position:relative;flex:1 1 12rem;min-width:0}" +
    "input{width:100%;padding:.55rem .7rem;font:inherit;border:1px solid #6e7781;border-radius:4px;background:#fff;color:#1f2328}" +
    "button{padding:.55rem 1rem;font:inherit;border:0;border-radius:4px;background:var(--accent);color:#fff;cursor:pointer}" +
    "button.link{background:none;color:var(--accent);padding:0;text-decoration:underline;font-weight:600}" +
    ":focus-visible{outline:3px solid #f0a500;outline-offset:2px}" +
    "ul[role=listbox]{position:absolute;left:0;right:0;top:100%;z-index:2147483000;margin:2px 0 0;padding:.25rem 0;list-style:none;background:#fff;border:1px solid #d0d7de;border-radius:4px;box-shadow:0 6px 18px rgba(0,0,0,.12);max-height:20rem;overflow-y:auto}" +
    "li[role=option]{padding:.4rem .7rem;cursor:pointer}li[role=option][aria-selected=true],li[role=option]:hover{background:#e7f0fa}" +
    "li.type-title{font-size:.925em}.hint{color:#57606a;font-size:.85em;white-space:nowrap}" +
    ".status{color:#57606a;margin:.6rem 0 .2rem;font-size:.925em}.dym{margin:.3rem 0}" +
    "ol{list-style:none;padding:0;margin:.5rem 0}ol li{margin:0 0 1rem}" +
    "a{color:var(--accent)}.title{font-weight:600;font-size:1.05em;overflow-wrap:anywhere}" +
    ".meta{color:#57606a;font-size:.85em}.meta span+span::before{content:' · '}.parent{font-size:.9em}.snippet{margin:.15rem 0 0;overflow-wrap:anywhere}" +
    "mark{background:#fff3a3;color:inherit}.more{display:flex;gap:1rem;flex-wrap:wrap;align-items:center}" +
    ".vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}" +
    "</style>" +
    "<form role='search' part='form'>" +
    "<label class='vh' for='" + uid + "-q'>Từ khóa tìm kiếm</label>" +
    "<div class='combo'><input id='" + uid + "-q' name='q' type='search' autocomplete='off' maxlength='1000'" +
    " role='combobox' aria-autocomplete='list' aria-expanded='false' aria-controls='" + uid + "-list'>" +
    "<ul id='" + uid + "-list' role='listbox' aria-label='Gợi ý tìm kiếm' hidden></ul></div>" +
    "<button type='submit'>Tìm kiếm</button></form>" +
    "<div class='status' role='status' aria-live='polite'></div>" +
    "<div class='results'></div>";

  var form = root.querySelector("form");
  var input = root.querySelector("input");
  var list = root.querySelector("[role=listbox]");
  var statusEl = root.querySelector(".status");
  var resultsEl = root.querySelector(".results");
  input.placeholder = placeholder;

  function api(path, params, signal) {
    var query = Object.keys(params).filter(function (k) { return params[k] !== "" && params[k] != null; })
      .map(function (k) { return k + "=" + encodeURIComponent(params[k]); }).join("&");
    return fetch(base + path + "?" + query, { headers: { Accept: "application/json" }, signal: signal })
      .then(function (r) { return r.json().then(function (data) { if (!r.ok) throw new Error(data.error || r.status); return data; }); });
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text != null) node.textContent = text;
    return node;
  }

  // Snippets are escaped text with <mark>; rebuild them keeping only text and <mark>.
  function appendMarked(into, html) {
    var doc = new DOMParser().parseFromString("<p>" + html + "</p>", "text/html");
    var p = doc.body.firstChild;
    if (!p) return;
    Array.prototype.forEach.call(p.childNodes, function (n) {
      into.appendChild(n.nodeName === "MARK" ? el("mark", null, n.textContent) : document.createTextNode(n.textContent));
    });
  }

  function formatDate(iso) { return iso ? iso.slice(8, 10) + "/" + iso.slice(5, 7) + "/" + iso.slice(0, 4) : ""; }

  // One compact line; a legal text shows what identifies it: number, type, issuer, signing and
  // effective dates.
  function meta(hit) {
    var parts = hit.kind === "legal"
      ? ["Văn bản", hit.doc_number && "Số hiệu: " + hit.doc_number, hit.doc_type, hit.issuer,
         hit.published && "Ký ngày " + formatDate(hit.published), hit.effective && "Hiệu lực " + formatDate(hit.effective)]
      : ["Tin tức", formatDate(hit.published)];
    var line = el("div", { "class": "meta" });
    parts.filter(Boolean).forEach(function (part) { line.appendChild(el("span", null, part)); });
    return line;
  }

  // -- results ------------------------------------------------------------------------
  // As the visitor types, a search runs LIVE_DELAY ms after the last keystroke. Every search
  // cancels the one before it (AbortController) and a keystroke invalidates any answer still on
  // its way (searchSeq), so after the last keystroke only the whole text's results are shown.
  // The count is read out (the polite .status) once typing pauses, at once after Enter.
  var LIVE_DELAY = 200, MIN_CHARS = 2, ANNOUNCE_DELAY = 900;
  var current = { q: "", page: 1 }, shown = null, count = "";
  var searchSeq = 0, searching = null, liveTimer = null, announceTimer = null;

  function cancelSearch() {
    clearTimeout(liveTimer);
    clearTimeout(announceTimer);
    searchSeq++;
    if (searching) searching.abort();
    searching = null;
  }

  function say(text, later) {
    clearTimeout(announceTimer);
    if (!later) { statusEl.textContent = text; return; }
    announceTimer = setTimeout(function () {
      // The same words twice in a row would not be read again: vary them invisibly.
      statusEl.textContent = text === statusEl.textContent.trim() ? text + "\u00a0" : text;
    }, ANNOUNCE_DELAY);
  }

  // how: "live" (typing), "more" (the next page, appended), or "enter" (Enter, a suggestion).
  function search(q, page, how) {
    cancelSearch();
    if (how === "enter" && shown === q && page === 1 && resultsEl.querySelector("ol")) {
      return say(count);  // already showing it: say its count now
    }
    current = { q: q, page: page };
    var mine = searchSeq;
    var controller = searching = window.AbortController ? new AbortController() : null;
    if (how === "enter") { resultsEl.textContent = ""; shown = null; say("Đang tìm…"); }
    api("api/search", { q: q, scope: "site", site: site, page: page, per_page: perPage, facets: "false" },
        controller && controller.signal)
      .then(function (data) {
        if (mine !== searchSeq) return;  // a newer search started meanwhile
        shown = q;
        resultsEl.setAttribute("data-query", q);
        render(data, page > 1, how === "live");
      })
      .catch(function (err) {
        if (mine !== searchSeq || (err && err.name === "AbortError")) return;
        say("Không tìm được: " + err.message, how === "live");
      });
  }

  function clearResults() {
    cancelSearch();
    current = { q: "", page: 1 };
    shown = null;
    count = "";
    resultsEl.textContent = "";
    resultsEl.removeAttribute("data-query");
    statusEl.textContent = "";
  }

  function render(data, append, later) {
    var listEl = resultsEl.querySelector("ol");
    if (!append || !listEl) {
      resultsEl.textContent = "";
      if (data.suggestion) {
        var dym = el("p", { "class": "dym" }, "Có phải bạn muốn tìm: ");
        var again = el("button", { type: "button", "class": "link" }, data.suggestion);
        again.addEventListener("click", function () { input.value = data.suggestion; search(data.suggestion, 1, "enter"); });
        dym.appendChild(again);
        resultsEl.appendChild(dym);
      }
      listEl = el("ol");
      resultsEl.appendChild(listEl);
    }
    count = data.total ? "Tìm thấy " + data.total.toLocaleString("vi-VN") + " kết quả."
      : "Không tìm thấy kết quả phù hợp. Hãy kiểm tra chính tả hoặc dùng ít từ hơn.";
    say(count, later);
    data.results.forEach(function (hit) {
      var li = el("li");
      var title = el("div", { "class": "title" });
      title.appendChild(hit.url ? el("a", { href: hit.url }, hit.title) : document.createTextNode(hit.title));
      li.appendChild(title);
      // An article of a long text whose title does not already name the text it belongs to.
      if (hit.parent_title && hit.title.indexOf(hit.parent_title) < 0) {
        li.appendChild(el("div", { "class": "parent" }, (hit.article ? hit.article + " — " : "") + hit.parent_title));
      }
      li.appendChild(meta(hit));
      if (hit.snippet) { var p = el("p", { "class": "snippet" }); appendMarked(p, hit.snippet); li.appendChild(p); }
      listEl.appendChild(li);
    });
    var old = resultsEl.querySelector(".more");
    if (old) old.remove();
    var more = el("p", { "class": "more" });
    if (data.page * data.per_page < data.total) {
      var next = el("button", { type: "button", "class": "link" }, "Xem thêm kết quả");
      next.addEventListener("click", function () { search(current.q, current.page + 1, "more"); });
      more.appendChild(next);
    }
    if (data.total) {
      more.appendChild(el("a", { href: base + "?q=" + encodeURIComponent(data.query) + "&scope=site&site=" + encodeURIComponent(site) },
        "Mở trang tìm kiếm"));
    }
    resultsEl.appendChild(more);
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    closeList();
    var q = input.value.trim();
    if (q) search(q, 1, "enter"); else clearResults();
  });

  function liveSearch() {
    var q = input.value.trim();
    if (!q) clearResults();  // an empty box: back to the bare widget
    else if (q.length >= MIN_CHARS) search(q, 1, "live");
  }

  // -- autocomplete (ARIA 1.2 combobox) ---------------------------------------------
  var items = [], active = -1, timer = null, seq = 0;

  function closeList() {
    clearTimeout(timer);  // a keystroke's pending lookup must not reopen the list after a search
    seq++;
    list.hidden = true;
    list.textContent = "";
    items = [];
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function highlight(i) {
    Array.prototype.forEach.call(list.children, function (li, j) { li.setAttribute("aria-selected", i === j ? "true" : "false"); });
    active = i;
    input.setAttribute("aria-activedescendant", list.children[i].id);
  }

  function choose(i) {
    if (items[i].type === "title" && items[i].url) {  // a document's title: go straight to it
      closeList();
      cancelSearch();
      window.location.href = items[i].url;
      return;
    }
    input.value = items[i].text;
    closeList();
    search(input.value.trim(), 1, "enter");
  }

  function suggest() {
    var q = input.value;
    if (q.trim().length < 2) { closeList(); return; }
    var mine = ++seq;
    api("api/suggest", { q: q, scope: "site", site: site }).then(function (data) {
      if (mine !== seq) return;
      items = data.suggestions || [];
      list.textContent = "";
      active = -1;
      if (!items.length) { closeList(); return; }
      items.forEach(function (item, i) {
        var li = el("li", { id: uid + "-o" + i, role: "option", "aria-selected": "false", "class": "type-" + item.type }, item.text);
        if (item.type === "title" && item.url) li.appendChild(el("span", { "class": "hint" }, " – mở trang"));
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }).catch(function () {});
  }

  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(suggest, 120); });
  function typed(event) {
    cancelSearch();  // an answer for the text before this keystroke must not land now
    // An input method still composing a letter (Telex, VNI) has not given the text yet.
    if (!event.isComposing) liveTimer = setTimeout(liveSearch, LIVE_DELAY);
  }
  input.addEventListener("input", typed);
  input.addEventListener("compositionend", typed);
  input.addEventListener("keydown", function (e) {
    var open = !list.hidden && items.length;
    if (e.key === "ArrowDown" && open) { e.preventDefault(); highlight(active + 1 >= items.length ? 0 : active + 1); }
    else if (e.key === "ArrowUp" && open) { e.preventDefault(); highlight(active <= 0 ? items.length - 1 : active - 1); }
    else if (e.key === "Enter" && open && active >= 0) { e.preventDefault(); choose(active); }
    else if (e.key === "Escape" && open) { e.preventDefault(); closeList(); }
    else if (e.key === "Tab") closeList();
  });
  input.addEventListener("blur", function () { setTimeout(closeList, 150); });
})();
