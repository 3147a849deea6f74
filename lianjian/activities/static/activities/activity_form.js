// 所属年度 is asked only for the annual duties (组织生活会, 民主评议党员): the field is
// hidden for other activity types and shown again when such a type is chosen.
(function () {
  "use strict";
  function setup() {
    var form = document.querySelector("form[data-yearly-types]");
    if (!form) return;
    var types = form.getAttribute("data-yearly-types").split(",");
    var select = form.querySelector("#id_type");
    var input = form.querySelector("#id_for_year");
    if (!select || !input) return;
    var wrapper = input.closest(".mb-3") || input.parentNode;
    function sync() {
      var yearly = types.indexOf(select.value) !== -1;
      wrapper.classList.toggle("d-none", !yearly);
      input.disabled = !yearly;
    }
    select.addEventListener("change", sync);
    sync();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
