/* Plays each H5P block with h5p-standalone, posts the player's xAPI statements to
   /api/v1/h5p/{block}/xapi/ and saves its state so the student resumes where they left off.
   Players start one after another: h5p-standalone keeps one window.H5PIntegration. */
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

  var players = {};  // activity IRI → config

  function statusOf(config) {
    return document.querySelector('[data-h5p-status="' + config.id + '"]');
  }

  function show(config, text) {
    var status = statusOf(config);
    if (status) status.textContent = text;
  }

  function onStatement(statement) {
    if (!statement || !statement.object || !statement.verb) return;
    var config = players[String(statement.object.id).split("?")[0]];
    if (!config || !config.canRecord) return;
    sendInOrder(config.xapiUrl, "POST", statement).then(function (reply) {
      if (!reply.ok) {
        if (reply.data && reply.data.detail) show(config, reply.data.detail);
        return;
      }
      var data = reply.data, result = data.result;
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
    });
  }

  function currentState(config) {
    var integration = window.H5PIntegration || {};
    var content = (integration.contents || {})["cid-" + config.id] || {};
    var data = content.contentUserData;
    return data && data[0] && typeof data[0].state === "string" ? data[0].state : null;
  }

  function saveState(config, keepalive) {
    var state = currentState(config);
    if (state === null || state === config.savedState) return;
    config.savedState = state;
    if (keepalive) {  // the page is closing: do not wait behind the queue
      send(config.stateUrl, "PUT", {lesson_id: config.lessonId, state: state}, keepalive);
    } else {
      sendInOrder(config.stateUrl, "PUT", {lesson_id: config.lessonId, state: state}, keepalive);
    }
  }

  function listen() {
    var seen = [];
    function attach(h5p) {
      if (!h5p || !h5p.externalDispatcher || seen.indexOf(h5p.externalDispatcher) !== -1) return;
      seen.push(h5p.externalDispatcher);
      h5p.externalDispatcher.on("xAPI", function (event) { onStatement(event.data.statement); });
    }
    attach(window.H5P);
    document.querySelectorAll("iframe.h5p-iframe").forEach(function (frame) {
      try { attach(frame.contentWindow.H5P); } catch (error) { /* not ready */ }
    });
  }

  async function start(element) {
    var id = element.getAttribute("data-h5p-player");
    var config = JSON.parse(document.getElementById("h5p-config-" + id).textContent);
    config.savedState = config.state || null;
    players[config.xAPIObjectIRI] = config;
    var options = {
      id: config.id, h5pJsonPath: config.h5pJsonPath, frameJs: config.frameJs, frameCss: config.frameCss,
      xAPIObjectIRI: config.xAPIObjectIRI, title: config.title, frame: false, copyright: false, export: false,
      embed: false, icon: false, fullScreen: true
    };
    if (config.canRecord) {
      options.saveFreq = config.saveFreq;
      if (config.state) options.contentUserData = [{state: config.state}];
    }
    try {
      await new H5PStandalone.H5P(element, options);
    } catch (error) {
      show(config, "This activity could not be loaded. Reload the page to try again.");
      throw error;
    }
    element.setAttribute("data-ready", "true");
    if (config.canRecord) {
      setInterval(function () { saveState(config, false); }, config.saveFreq * 1000);
      document.addEventListener("visibilitychange", function () {
        if (document.visibilityState === "hidden") saveState(config, true);
      });
    }
  }

  async function startAll() {
    var elements = document.querySelectorAll("[data-h5p-player]");
    for (var i = 0; i < elements.length; i++) {
      try { await start(elements[i]); } catch (error) { console.error(error); }
    }
    listen();
    // An iframe's own H5P may appear a moment later.
    setTimeout(listen, 1000);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", startAll);
  else startAll();
})();
