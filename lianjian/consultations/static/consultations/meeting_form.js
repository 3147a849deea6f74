// New joint meeting: choosing the alliance reloads the form with its liaisons as attendees (only before typing).
(function () {
  "use strict";
  var select = document.getElementById("id_alliance");
  if (!select) { return; }
  select.addEventListener("change", function () {
    if (select.value) { window.location.search = "?alliance=" + encodeURIComponent(select.value); }
  });
})();
