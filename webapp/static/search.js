// Enhancements over the plain form (which works without this script):
// autocomplete as an ARIA 1.2 combobox (arrows, Enter, Esc), and re-running the search
// when the Site/Web scope is clicked.
(function () {
  "use strict";
  var form = document.querySelector("form.search-box");
  if (!form) return;
  var input = form.querySelector("input[name=q]");
  var list = form.querySelector("[role=listbox]");

  // A click on Site/Web re-runs the search at once; arrow keys only move the choice (changing
  // the page on keyboard input would surprise, WCAG 3.2.2): Enter or the button then searches.
  var pointer = false;
  form.addEventListener("pointerdown", function () { pointer = true; });
  form.addEventListener("keydown", function () { pointer = false; });
  form.addEventListener("change", function (event) {
    if (event.target.name === "scope" && pointer && input.value.trim()) form.submit();
  });
  if (!input || !list || !window.fetch) return;

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
