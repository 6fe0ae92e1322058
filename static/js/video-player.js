/* One player (Plyr) for YouTube, Vimeo and uploaded videos. While the video plays it
   reports the position and the ranges the browser says were played to
   POST /api/v1/lessons/{id}/video/ every few seconds, and on pause, seek and end; the
   server decides how much was really watched (skipping ahead does not count) against the
   video's length as the server knows it (the player's own duration is not trusted).
   HLS streams play natively where the browser can (Safari), otherwise through hls.js. */
(function () {
  "use strict";
  if (window.lecternVideo) return;
  window.lecternVideo = true;
  var iconUrl = (document.currentScript && document.currentScript.getAttribute("data-icon-url")) || undefined;
  var INTERVAL = 5000;

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function playedRanges(player) {
    var media = player.media, ranges = [];
    if (media && media.played) {
      for (var i = 0; i < media.played.length; i++) ranges.push([media.played.start(i), media.played.end(i)]);
    }
    return ranges;
  }

  function attachHls(element, url) {
    if (!url || element.canPlayType("application/vnd.apple.mpegurl")) return;
    if (typeof Hls === "undefined" || !Hls.isSupported()) return;
    element.querySelectorAll("source").forEach(function (source) { source.remove(); });
    var hls = new Hls({enableWorker: false});  // no blob: workers under the site's CSP
    hls.loadSource(url);
    hls.attachMedia(element);
  }

  function setup(element) {
    var id = element.getAttribute("data-video-player");
    var config = JSON.parse(document.getElementById("video-config-" + id).textContent);
    if (config.hlsUrl) attachHls(element, config.hlsUrl);
    var player = new Plyr(element, {iconUrl: iconUrl, keyboard: {focused: true, global: false}});
    var status = document.querySelector('[data-video-status="' + id + '"]');
    var timer = null, sending = false, completed = !!config.completed;

    function report(keepalive) {
      if (!config.canRecord || sending || !player.duration) return;
      sending = true;
      fetch(config.reportUrl, {
        method: "POST", credentials: "same-origin", keepalive: !!keepalive,
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
        body: JSON.stringify({block_id: id, position: player.currentTime,
                              played_ranges: playedRanges(player)})
      }).then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data || !status) return;
          if (data.completed && !completed) {
            completed = true;
            document.dispatchEvent(new CustomEvent("lectern:activity-completed", {
              detail: {blockId: id, lessonCompleted: !!data.lesson_completed}
            }));
          }
          if (!config.durationKnown) return;  // the server cannot count this video; the page says so
          status.textContent = data.completed ? "Video complete (" + Math.round(data.watched_percent) + "% watched)."
            : "You have watched " + Math.round(data.watched_percent) + "%; watch " + config.threshold + "% to complete it.";
        })
        .finally(function () { sending = false; });
    }

    player.on("ready", function () {
      if (config.position > 5) {
        player.once("loadedmetadata", function () { player.currentTime = config.position; });
      }
    });
    player.on("playing", function () {
      report(false);
      clearInterval(timer);
      timer = setInterval(function () { report(false); }, INTERVAL);
    });
    player.on("pause", function () { clearInterval(timer); report(false); });
    player.on("seeking", function () { report(false); });
    player.on("ended", function () { clearInterval(timer); report(false); });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden" && player.playing) report(true);
    });
  }

  function init() {
    if (typeof Plyr === "undefined") return;
    document.querySelectorAll("[data-video-player]").forEach(setup);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
