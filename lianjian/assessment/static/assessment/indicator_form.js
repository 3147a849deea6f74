// Indicator form: show only the parameters and the help of the chosen rule.
// Without JavaScript every parameter stays visible; the service ignores those of other rules.
(function () {
  "use strict";
  var form = document.getElementById("indicator-form");
  var rule = form && form.querySelector("select[name=rule]");
  if (!rule) { return; }
  function apply() {
    form.querySelectorAll("[data-rules]").forEach(function (el) {
      var rules = el.dataset.rules;
      el.hidden = rules !== "" && rules.split(" ").indexOf(rule.value) < 0;
    });
    form.querySelectorAll("[data-help]").forEach(function (el) { el.hidden = el.dataset.help !== rule.value; });
  }
  rule.addEventListener("change", apply);
  apply();
})();
