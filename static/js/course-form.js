// Progressive enhancement for the course builder: show only the fields for the chosen format, and the
// new-venue fields only when "A new venue" is chosen. Without JavaScript every field stays visible.
(function () {
  "use strict";
  var form = document.querySelector(".course-form");
  if (!form) return;
  var formatInputs = form.querySelectorAll('input[name="format"]');
  var venueSelect = form.querySelector('select[name="venue"]');
  var newVenue = form.querySelector("[data-new-venue]");

  function chosenFormat() {
    for (var i = 0; i < formatInputs.length; i++) {
      if (formatInputs[i].checked) return formatInputs[i].value;
    }
    return "";
  }

  function update() {
    var format = chosenFormat();
    form.querySelectorAll("[data-show-for-format]").forEach(function (section) {
      section.hidden = Boolean(format) && section.getAttribute("data-show-for-format") !== format;
    });
    if (newVenue && venueSelect) {
      // Keep the section visible when it holds an error, so the message is never hidden.
      var hasError = newVenue.querySelector(".field--error") !== null;
      newVenue.hidden = venueSelect.value !== "new" && !hasError;
    }
  }

  formatInputs.forEach(function (input) {
    input.addEventListener("change", update);
  });
  if (venueSelect) venueSelect.addEventListener("change", update);
  update();
})();
