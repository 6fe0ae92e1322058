/* Lesson player: report time spent on a lesson while the page is visible.
 *
 * Every 30 s of visible time (and when the page is hidden or left) it sends
 * PUT /api/v1/lessons/{id}/progress/ {time_spent_delta, video_position, video_duration}.
 * Video blocks may publish their position by dispatching on document:
 *   new CustomEvent("lectern:video-progress", {detail: {position, duration}})
 * and the next beat carries it. Time while the tab is hidden is never counted: when the
 * page becomes visible again a beat with {visible: false} restarts the server's clock
 * (the server counts no more than the wall-clock time since the previous beat). */
(function () {
  "use strict";
  var player = document.getElementById("lesson-player");
  if (!player || player.dataset.track !== "1") return;

  var url = player.dataset.progressUrl;
  var BEAT_MS = 30000;
  var MAX_DELTA = 120; // the server clamps one beat to this many seconds too
  var visibleSince = document.visibilityState === "visible" ? Date.now() : null;
  var pendingMs = 0;
  var video = null;

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function collect() {
    if (visibleSince !== null) {
      var now = Date.now();
      pendingMs += now - visibleSince;
      visibleSince = now;
    }
  }

  function restartClock() {
    fetch(url, {
      method: "PUT",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
      body: JSON.stringify({time_spent_delta: 0, visible: false})
    }).catch(function () { /* offline */ });
  }

  function send(leaving) {
    collect();
    var seconds = Math.min(MAX_DELTA, Math.floor(pendingMs / 1000));
    if (seconds < 1 && !video) return;
    pendingMs -= seconds * 1000;
    var body = {time_spent_delta: seconds};
    if (video) {
      body.video_position = video.position;
      body.video_duration = video.duration;
      video = null;
    }
    fetch(url, {
      method: "PUT",
      credentials: "same-origin",
      keepalive: !!leaving,
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
      body: JSON.stringify(body)
    }).catch(function () { /* offline: the time is lost, never double counted */ });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      visibleSince = Date.now();
      restartClock();
    } else {
      send(true);
      visibleSince = null;
    }
  });
  window.addEventListener("pagehide", function () { send(true); });
  document.addEventListener("lectern:video-progress", function (event) {
    var detail = event.detail || {};
    if (typeof detail.position === "number" && typeof detail.duration === "number") {
      video = {position: Math.max(0, detail.position), duration: Math.max(0, detail.duration)};
    }
  });
  setInterval(function () {
    if (document.visibilityState === "visible") send(false);
  }, BEAT_MS);
})();
