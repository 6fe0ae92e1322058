/* The demo tutor's page script: keeps the newest message in view, and once the tutor has
   posted the score to the platform (server to server, AGS) tells the lesson page so it can
   ask the platform what was recorded. The message carries no score: the page believes
   only the platform. */
(function () {
  "use strict";
  var transcript = document.querySelector(".tutor-transcript");
  if (transcript) transcript.scrollTop = transcript.scrollHeight;
  var body = document.body;
  if (body.getAttribute("data-reported") === "1" && window.parent !== window) {
    window.parent.postMessage({type: "lectern:ai-tool:completed"}, body.getAttribute("data-platform-origin"));
  }
})();
