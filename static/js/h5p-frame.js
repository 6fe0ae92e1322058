/* Runs inside the sandboxed H5P iframe (opaque origin, no cookies): starts h5p-standalone
   on the package this page was issued for and tells the lesson page, by postMessage only,
   what happens: xAPI statements, the player's saved state and the content's height. The
   lesson page decides what to send to the server; this frame cannot call the API. */
(function () {
  "use strict";
  var element = document.getElementById("h5p-container");
  var data = element.dataset;
  var parentOrigin = data.parentOrigin;
  var canRecord = data.canRecord === "true";
  var saveFreq = parseInt(data.saveFreq, 10) || 10;
  var lastState = data.state || null;

  function post(message) {
    message.blockId = data.blockId;
    window.parent.postMessage(message, parentOrigin);
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40; bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  // Every statement carries its own id (stored once) and the attempt the server opened.
  function stamp(statement) {
    statement.id = statement.id || uuid();
    statement.context = statement.context || {};
    statement.context.registration = data.attempt;
    return statement;
  }

  function currentState() {
    var integration = window.H5PIntegration || {};
    var content = (integration.contents || {})["cid-" + data.blockId] || {};
    var userData = content.contentUserData;
    return userData && userData[0] && typeof userData[0].state === "string" ? userData[0].state : null;
  }

  function sendState(closing) {
    var state = currentState();
    if (state === null || state === lastState) return;
    lastState = state;
    post({type: "lectern:h5p:state", state: state, closing: !!closing});
  }

  var lastHeight = 0, ticks = 0;
  function sendHeight() {
    var height = Math.ceil(document.documentElement.scrollHeight);
    // The first few seconds always: the lesson page's script may start after this frame.
    if (height !== lastHeight || ticks < 5) {
      lastHeight = height;
      post({type: "lectern:h5p:resize", height: height});
    }
  }

  var options = {
    id: data.blockId, h5pJsonPath: data.h5pJsonPath, frameJs: data.frameJs, frameCss: data.frameCss,
    xAPIObjectIRI: data.iri, title: data.title, embedType: "div", frame: false, copyright: false,
    export: false, embed: false, icon: false, fullScreen: true,
    assetsRequestFetchOptions: {credentials: "omit"}
  };
  if (canRecord) {
    options.saveFreq = saveFreq;
    if (data.state) options.contentUserData = [{state: data.state}];
  }

  new H5PStandalone.H5P(element, options).then(function () {
    window.H5P.externalDispatcher.on("xAPI", function (event) {
      post({type: "lectern:h5p:xapi", statement: stamp(event.data.statement)});
    });
    element.setAttribute("data-ready", "true");
    post({type: "lectern:h5p:ready"});
    sendHeight();
    if (window.ResizeObserver) new ResizeObserver(sendHeight).observe(document.body);
    setInterval(function () {
      ticks += 1;
      if (ticks <= 5) post({type: "lectern:h5p:ready"});
      sendHeight();
    }, 1000);
    if (canRecord) {
      setInterval(function () { sendState(false); }, saveFreq * 1000);
      document.addEventListener("visibilitychange", function () {
        if (document.visibilityState === "hidden") sendState(true);
      });
      window.addEventListener("pagehide", function () { sendState(true); });
    }
  }).catch(function (error) {
    post({type: "lectern:h5p:error", message: String(error && error.message || error)});
    throw error;
  });
})();
