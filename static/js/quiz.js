/* A quiz attempt: save each answer as it changes, count down to the deadline and submit
   when it is reached. The server enforces the deadline whatever this script does. */
(function () {
  "use strict";
  var form = document.getElementById("quiz-form");
  if (!form || form.dataset.ready) return;
  form.dataset.ready = "1";
  var status = document.getElementById("quiz-save-status");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var submitting = false;

  function say(text) { if (status) status.textContent = text; }

  function save(fieldset) {
    var ids = Array.prototype.map.call(fieldset.querySelectorAll("input:checked"), function (i) { return i.value; });
    say("Saving…");
    return fetch(form.dataset.answerUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ question_id: fieldset.dataset.questionId, option_ids: ids })
    }).then(function (response) {
      if (response.ok) { say("All answers saved."); return; }
      return response.json().then(function (body) {
        if (body.code === "time_up" || body.code === "already_submitted") { window.location.reload(); return; }
        say(body.detail || "Could not save this answer; it will be sent when you submit.");
      });
    }).catch(function () {
      say("Offline: your answers will be sent when you submit.");
    });
  }

  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("fieldset[data-question-id]");
    if (fieldset) save(fieldset);
  });
  form.addEventListener("submit", function () { submitting = true; });

  var clock = document.getElementById("quiz-countdown");
  if (clock) {
    // Offset between this device's clock and the server's, so a wrong device clock does not matter.
    var offset = Date.parse(clock.dataset.now) - Date.now();
    var deadline = Date.parse(clock.dataset.deadline);
    var warned = false;
    var tick = function () {
      var left = Math.max(0, Math.round((deadline - (Date.now() + offset)) / 1000));
      var minutes = Math.floor(left / 60), seconds = left % 60;
      clock.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
      if (left <= 60 && !warned) {
        warned = true;
        var warning = document.getElementById("quiz-time-warning");
        if (warning) warning.textContent = "One minute left.";
      }
      if (left === 0 && !submitting) {
        submitting = true;
        form.submit();
        return;
      }
      window.setTimeout(tick, 1000);
    };
    tick();
  }
})();
