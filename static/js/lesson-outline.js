/* Lesson player: keep the outline and the course progress current without a reload.
 *
 * Activity blocks (H5P, video, AI tool) report completion to the server and then dispatch
 *   new CustomEvent("lectern:activity-completed", {detail: {blockId, lessonCompleted}})
 * on document. When the server says the lesson is complete, this marks the current lesson
 * done in the outline, moves the progress bar and caption, shows "You have completed this
 * lesson" and, once every lesson is done, the course-complete notice with its link.
 * The server stays the judge: this only redraws what its response said. */
(function () {
  "use strict";
  var player = document.getElementById("lesson-player");
  if (!player) return;
  var lessonId = player.dataset.lessonId;
  var total = parseInt(player.dataset.lessonsTotal || "0", 10);
  var done = parseInt(player.dataset.lessonsDone || "0", 10);

  function markLessonDone() {
    var item = player.querySelector('.outline-lesson[data-lesson-id="' + lessonId + '"]');
    if (!item || item.dataset.state === "done") return false;
    item.dataset.state = "done";
    item.classList.add("is-done");
    var mark = item.querySelector(".outline-mark");
    if (mark) mark.textContent = "✓";
    var sr = item.querySelector(".outline-text .sr-only");
    if (sr) sr.textContent = "(completed)";
    return true;
  }

  function redrawProgress() {
    if (!total) return;
    var percent = Math.min(100, Math.floor(done * 100 / total));
    var bar = player.querySelector("[data-progress-bar]");
    if (bar) {
      bar.setAttribute("aria-valuenow", String(percent));
      var fill = bar.querySelector("span");
      if (fill) fill.style.width = percent + "%";
    }
    var label = player.querySelector("[data-progress-percent]");
    if (label) label.textContent = percent + "% complete";
    var caption = player.querySelector("[data-progress-caption]");
    if (caption) caption.textContent = done + " of " + total + " lessons done";
  }

  document.addEventListener("lectern:activity-completed", function (event) {
    var detail = event.detail || {};
    if (!detail.lessonCompleted) return;
    if (markLessonDone()) {
      done = Math.min(total, done + 1);
      redrawProgress();
    }
    var doneMessage = player.querySelector("[data-lesson-done-message]");
    if (doneMessage) doneMessage.hidden = false;
    var pending = player.querySelector("[data-lesson-pending-message]");
    if (pending) pending.hidden = true;
    var finished = document.getElementById("course-finished-notice");
    if (finished && total && done >= total) finished.hidden = false;
  });
})();
