// Enhancements over the plain form (which works without this script): results as you type,
// autocomplete as an ARIA 1.2 combobox (arrows, Enter, Esc), and re-running the search when the
// Site/Web scope is clicked.
(function () {
  "use strict";
  var form = document.querySelector("form.search-box");
  if (!form) return;
  var input = form.querySelector("input[name=q]");
  var list = form.querySelector("[role=listbox]");
  if (!input) return;

  // -- results as you type ------------------------------------------------------------------
  // The region below the box (#search-results) is fetched again from the server for the text
  // typed (data-live: /ket-qua on the page, which answers only the region; /embed in the
  // iframe, whose whole page is small) and its .results-region swapped in. Each keystroke
  // cancels the request before it (AbortController) and invalidates its answer (liveSeq), so
  // after the last keystroke only the answer for the whole text can be shown.
  var LIVE_DELAY = 200;       // ms after the last keystroke
  var MIN_CHARS = 2;          // one character matches too much to be worth a search per keystroke
  var ANNOUNCE_DELAY = 900;   // ms of quiet before the count is read out
  var region = document.getElementById("search-results");
  var liveUrl = region && region.getAttribute("data-live");
  var live = !!(liveUrl && window.fetch && window.AbortController && window.DOMParser &&
                window.URLSearchParams && window.FormData && window.history && history.replaceState);
  var liveTimer = null, liveSeq = 0, liveRequest = null, announceTimer = null, announced = "";
  var resultsStatus = null;

  if (live) {
    // Its own polite live region, apart from the suggestions' one, present before any update.
    resultsStatus = document.createElement("div");
    resultsStatus.className = "visually-hidden";
    resultsStatus.setAttribute("role", "status");
    resultsStatus.setAttribute("aria-live", "polite");
    region.parentNode.insertBefore(resultsStatus, region);
  }

  // The query string of this search: what the plain form submits, plus the other parameters of
  // the page shown (filters, dates), so typing refines the query without dropping the filters.
  // Empty values and the page number go (a new text starts on page 1).
  function searchQuery(dropSite) {
    var params = new URLSearchParams();
    var own = {};
    new FormData(form).forEach(function (value, name) {
      own[name] = true;
      if (value !== "") params.append(name, value);
    });
    new URLSearchParams(window.location.search).forEach(function (value, name) {
      if (own[name] || name === "page" || value === "" || (dropSite && name === "site")) return;
      params.append(name, value);
    });
    return params.toString();
  }

  function pageUrl(query) {
    return form.getAttribute("action").split("?")[0] + (query ? "?" + query : "");
  }

  function cancelLive() {
    clearTimeout(liveTimer);
    clearTimeout(announceTimer);
    liveSeq++;
    if (liveRequest) liveRequest.abort();
    liveRequest = null;
  }

  function announce(shown) {
    var total = shown.getAttribute("data-total");
    if (total === null) return;  // the home state or an error (errors are role=alert)
    var n = parseInt(total, 10) || 0;
    var text = n ? "Tìm thấy " + n.toLocaleString("vi-VN") + " kết quả." : "Không tìm thấy kết quả phù hợp.";
    announceTimer = setTimeout(function () {
      // The same words twice in a row would not be read again: vary them invisibly.
      announced = text === announced.trim() ? text + "\u00a0" : text;
      resultsStatus.textContent = announced;
    }, ANNOUNCE_DELAY);
  }

  function show(fresh, query) {
    // The count is announced by resultsStatus once typing pauses; the region's own status would
    // be read on every swap.
    Array.prototype.forEach.call(fresh.querySelectorAll("[role=status]"), function (el) { el.removeAttribute("role"); });
    region.textContent = "";
    region.appendChild(document.adoptNode(fresh));
    document.title = fresh.getAttribute("data-title") || document.title;
    history.replaceState(history.state, "", pageUrl(query));
    announce(fresh);
  }

  function liveSearch(dropSite) {
    cancelLive();
    var text = input.value.trim();
    if (text && text.length < MIN_CHARS) return;  // keep what is shown until a second character
    var query = searchQuery(dropSite);
    var mine = liveSeq;
    var controller = liveRequest = new AbortController();
    fetch(liveUrl + "?" + query, { signal: controller.signal, credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        if (mine !== liveSeq) return;  // a newer text was typed meanwhile
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector(".results-region");
        if (fresh) show(fresh, query);  // anything else (a proxy's error page): keep what is shown
      })
      .catch(function () {});  // cancelled, or offline: Enter still loads the page
  }

  if (live) {
    var typed = function (event) {
      cancelLive();  // an answer for the text before this keystroke must not land now
      // An input method still composing a letter (Telex, VNI) has not given the text yet.
      if (!event.isComposing) liveTimer = setTimeout(liveSearch, LIVE_DELAY);
    };
    input.addEventListener("input", typed);
    input.addEventListener("compositionend", typed);
  }

  // Enter (or a picked suggestion) loads the page for this search, as the plain form would,
  // keeping the filters as typing does: a real navigation, so it gets its own history entry.
  form.addEventListener("submit", function (event) {
    if (!live) return;
    event.preventDefault();
    cancelLive();
    window.location.assign(pageUrl(searchQuery(false)));
  });

  // A click on Site/Web re-runs the search at once; arrow keys only move the choice (changing
  // the page on keyboard input would surprise, WCAG 3.2.2): Enter or the button then searches.
  var pointer = false;
  form.addEventListener("pointerdown", function () { pointer = true; });
  form.addEventListener("keydown", function () { pointer = false; });
  form.addEventListener("change", function (event) {
    if (event.target.name !== "scope" || !pointer || !input.value.trim()) return;
    if (live) liveSearch(true); else form.submit();  // a site= filter belongs to the Web scope
  });

  // -- autocomplete ---------------------------------------------------------------------
  if (!list || !window.fetch) return;

  var status = document.createElement("div");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  form.appendChild(status);

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);

  var items = [], active = -1, timer = null, seq = 0;

  function scope() {
    var checked = form.querySelector("input[name=scope]:checked");
    return checked ? checked.value : "site";
  }

  function close() {
    clearTimeout(timer);  // a keystroke's pending lookup must not reopen the list after a search
    seq++;
    list.hidden = true;
    list.textContent = "";
    items = [];
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function highlight(index) {
    var options = list.children;
    for (var i = 0; i < options.length; i++) options[i].setAttribute("aria-selected", i === index ? "true" : "false");
    active = index;
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function choose(index) {
    var item = items[index];
    if (item.type === "title" && item.url) {  // a document's title: go straight to it
      close();
      cancelLive();
      window.location.href = item.url;
      return;
    }
    input.value = item.text;
    close();
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  function render(data) {
    list.textContent = "";
    items = data.suggestions || [];
    active = -1;
    if (!items.length) { close(); return; }
    items.forEach(function (item, i) {
      var li = document.createElement("li");
      li.id = list.id + "-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.className = "type-" + item.type;
      li.textContent = item.text;
      if (item.type === "title" && item.url) {
        var hint = document.createElement("span");
        hint.className = "hint";
        hint.textContent = " – mở trang";
        li.appendChild(hint);
      }
      li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
      list.appendChild(li);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    status.textContent = items.length + " gợi ý; dùng phím mũi tên để chọn, Enter để tìm, Esc để đóng.";
  }

  function fetchSuggestions() {
    var q = input.value;
    if (q.trim().length < 2) { close(); return; }
    var mine = ++seq;
    var url = form.getAttribute("data-suggest") + "?q=" + encodeURIComponent(q) + "&scope=" + scope();
    var site = form.getAttribute("data-site");
    if (site) url += "&site=" + encodeURIComponent(site);
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
      .then(function (data) { if (mine === seq && document.activeElement === input) render(data); })
      .catch(function () {});
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(fetchSuggestions, 120);
  });

  input.addEventListener("keydown", function (e) {
    var open = !list.hidden && items.length;
    if (e.key === "ArrowDown") {
      if (!open) { fetchSuggestions(); return; }
      e.preventDefault();
      highlight(active + 1 >= items.length ? 0 : active + 1);
    } else if (e.key === "ArrowUp") {
      if (!open) return;
      e.preventDefault();
      highlight(active <= 0 ? items.length - 1 : active - 1);
    } else if (e.key === "Enter") {
      if (open && active >= 0) { e.preventDefault(); choose(active); }
    } else if (e.key === "Escape") {
      if (open) { e.preventDefault(); close(); }
    } else if (e.key === "Tab") {
      close();
    }
  });

  input.addEventListener("blur", function () { setTimeout(close, 150); });
  form.addEventListener("submit", close);
})();

// Report which result a visitor opened (query and document id only), so `tracuu report`
// can show editors the searches whose results nobody clicks.
(function () {
  var form = document.querySelector("form.search-box[data-click]");
  if (!form || !window.fetch) return;
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-doc-id]");
    if (!link || !form.q.value.trim()) return;
    var url = form.getAttribute("data-click") + "?q=" + encodeURIComponent(form.q.value) +
      "&id=" + encodeURIComponent(link.getAttribute("data-doc-id"));
    fetch(url, {keepalive: true, credentials: "omit"}).catch(function () {});
  });
})();
