/* The lesson side of an embedded AI tool. The tool reports completion to the server
   (POST /api/v1/ai-tools/complete/) and then tells this page with postMessage
   {type: "lectern:ai-tool:completed"}. The page accepts that message only from the tool's
   own iframe and the block's allowed origin, and even then believes only the server: it
   asks the status URL what was recorded and shows that. */
(function () {
  "use strict";
  if (window.lecternAITool) return;
  window.lecternAITool = true;

  var tools = [];

  function show(tool, state, text) {
    var status = document.querySelector('[data-ai-tool-status="' + tool.blockId + '"]');
    if (!status) return;
    status.setAttribute("data-state", state);
    status.textContent = text;
  }

  function confirm(tool) {
    show(tool, "checking", "Checking your result…");
    return fetch(tool.statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        var score = data.last_score === null || data.last_score === undefined ? "" : " Score: " + Math.round(data.last_score) + "%.";
        if (data.completed) {
          var section = document.querySelector('.block-ai-tool[data-block-id="' + tool.blockId + '"]');
          if (section) section.classList.add("is-complete");
          show(tool, "completed", "Activity complete." + score + (data.lesson_completed ? " Lesson complete." : ""));
          document.dispatchEvent(new CustomEvent("lectern:activity-completed", {
            detail: {blockId: tool.blockId, lessonCompleted: data.lesson_completed}
          }));
        } else if (data.last_completed_at) {
          show(tool, "below-minimum", "Finished, but the score is below what this activity needs." + score + " Try again.");
        } else {
          show(tool, "not-recorded", "The tool has not reported a result yet.");
        }
      })
      .catch(function () { show(tool, "error", "Could not check your result; reload the page."); });
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || typeof data !== "object" || data.type !== "lectern:ai-tool:completed") return;
    tools.forEach(function (tool) {
      var frame = document.querySelector('[data-ai-tool-frame="' + tool.blockId + '"]');
      if (!frame || event.source !== frame.contentWindow) return;
      if (event.origin !== tool.allowedOrigin) {
        console.warn("Ignored a completion message from " + event.origin + "; allowed: " + tool.allowedOrigin);
        return;
      }
      confirm(tool);
    });
  });

  function init() {
    document.querySelectorAll("[data-ai-tool-frame]").forEach(function (frame) {
      var id = frame.getAttribute("data-ai-tool-frame");
      tools.push(JSON.parse(document.getElementById("ai-tool-config-" + id).textContent));
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
