// Small enhancement over the plain form: changing the scope re-runs the current search.
(function () {
  var form = document.querySelector("form.search-box");
  if (!form) return;
  form.addEventListener("change", function (event) {
    if (event.target.name === "scope" && form.q.value.trim()) form.submit();
  });
})();
