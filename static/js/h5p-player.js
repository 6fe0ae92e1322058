/* The lesson page's side of each H5P block. The package plays in a sandboxed iframe (an
   opaque origin: no cookies, no access to this page); this script accepts its messages only
   when they come from that iframe's window, and forwards its xAPI statements and saved state
   to /api/v1/h5p/{block}/… with the student's session and CSRF token. The server grades. */
(function () {
  "use strict";
  if (window.lecternH5P) return;
  window.lecternH5P = true;

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function send(url, method, body, keepalive) {
    return fetch(url, {
      method: method, credentials: "same-origin", keepalive: !!keepalive,
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return {ok: response.ok, status: response.status, data: data};
      });
    });
  }

  // One request at a time, in the order the player emitted them: "answered" reaches the
  // server before "completed", and two writes for one activity never race each other.
  var queue = Promise.resolve();
  function sendInOrder(url, method, body, keepalive) {
    var next = queue.then(function () { return send(url, method, body, keepalive); });
    queue = next.catch(function () {});
    return next;
  }

  var players = [];  // {config, frame}

  function show(config, text) {
    var status = document.querySelector('[data-h5p-status="' + config.id + '"]');
    if (status) status.textContent = text;
  }

  function showResult(config, data) {
    var result = data.result;
    if (!result) return;
    var parts = [];
    if (result.score_max !== null && result.score_max !== undefined) {
      parts.push("Your score: " + result.score_raw + " of " + result.score_max + ".");
    }
    if (data.activity_completed) parts.push("Activity complete.");
    if (data.lesson_completed) parts.push("Lesson complete.");
    show(config, parts.join(" "));
    var section = document.querySelector('.block-h5p[data-block-id="' + config.id + '"]');
    if (section && data.activity_completed) section.classList.add("is-complete");
    if (data.activity_completed) {
      document.dispatchEvent(new CustomEvent("lectern:activity-completed", {
        detail: {blockId: config.id, lessonCompleted: data.lesson_completed}
      }));
    }
  }

  function onStatement(config, statement) {
    if (!statement || typeof statement !== "object" || !statement.object || !statement.verb) return;
    if (String(statement.object.id).split("?")[0] !== config.xAPIObjectIRI || !config.canRecord) return;
    sendInOrder(config.xapiUrl, "POST", statement).then(function (reply) {
      if (!reply.ok) {
        // One attempt: H5P repeats its statements; the server keeps the first result.
        if (reply.data && reply.data.code === "retry_not_allowed") return;
        if (reply.data && reply.data.detail) show(config, reply.data.detail);
        return;
      }
      showResult(config, reply.data);
    });
  }

  function onState(config, state, closing) {
    if (!config.canRecord || typeof state !== "string" || state === config.savedState) return;
    config.savedState = state;
    var body = {lesson_id: config.lessonId, state: state};
    if (closing) send(config.stateUrl, "PUT", body, true);
    else sendInOrder(config.stateUrl, "PUT", body, false);
  }

  window.addEventListener("message", function (event) {
    var player = null;
    for (var i = 0; i < players.length; i++) {
      if (players[i].frame.contentWindow === event.source) player = players[i];
    }
    // Only the block's own iframe is listened to; anything else (another frame, a tab) is ignored.
    if (!player || !event.data || typeof event.data !== "object") return;
    var message = event.data, config = player.config;
    if (message.type === "lectern:h5p:xapi") onStatement(config, message.statement);
    else if (message.type === "lectern:h5p:state") onState(config, message.state, message.closing);
    else if (message.type === "lectern:h5p:resize") {
      var height = Math.max(120, Math.min(Number(message.height) || 0, 20000));
      player.frame.style.height = height + "px";
    } else if (message.type === "lectern:h5p:ready") player.frame.setAttribute("data-ready", "true");
    else if (message.type === "lectern:h5p:error") {
      show(config, "This activity could not be loaded. Reload the page to try again.");
      if (window.console) console.error("H5P player: " + message.message);
    }
  });

  document.querySelectorAll("iframe[data-h5p-player]").forEach(function (frame) {
    var id = frame.getAttribute("data-h5p-player");
    var config = JSON.parse(document.getElementById("h5p-config-" + id).textContent);
    config.savedState = config.state || null;
    players.push({config: config, frame: frame});
  });

  // A finished activity: its player (a new attempt, opened by the server) loads on Retry.
  document.querySelectorAll("button[data-h5p-retry]").forEach(function (button) {
    button.addEventListener("click", function () {
      var frame = document.getElementById("h5p-" + button.getAttribute("data-h5p-retry"));
      if (!frame || !frame.getAttribute("data-src")) return;
      frame.setAttribute("src", frame.getAttribute("data-src"));
      frame.removeAttribute("data-src");
      frame.hidden = false;
      button.hidden = true;
      frame.focus();
    });
  });
})();
