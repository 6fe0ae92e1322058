// Live conversation: WebSocket delivery (new messages, read receipts, typing) when the site
// runs under an ASGI server, polling every few seconds otherwise. Sending is always a POST
// (with files), so both modes share it; without JavaScript the form posts and reloads.
(function () {
  "use strict";
  var thread = document.getElementById("thread");
  var form = document.getElementById("composer");
  if (!thread || !form) return;
  var me = Number(thread.dataset.me);
  var lastId = Number(thread.dataset.lastId || 0);
  var typingEl = document.getElementById("typing");
  var modeEl = document.getElementById("delivery-mode");
  var errorEl = document.getElementById("send-error");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var socket = null, pollTimer = null, typingTimer = null, lastTypingSent = 0;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function formatTime(iso) {
    var d = new Date(iso);
    return d.toLocaleString(undefined, {day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23"});
  }

  function addMessage(m) {
    if (document.getElementById("message-" + m.id)) return;
    var empty = document.getElementById("empty-thread");
    if (empty) empty.remove();
    var mine = m.sender_id === me;
    var li = el("li", "bubble" + (mine ? " mine" : ""));
    li.id = "message-" + m.id;
    li.dataset.id = m.id;
    li.dataset.mine = mine ? "1" : "";
    var meta = el("span", "meta");
    meta.appendChild(el("strong", null, m.sender_name));
    meta.appendChild(document.createTextNode(" · " + formatTime(m.created_at)));
    li.appendChild(meta);
    if (m.body) li.appendChild(el("p", null, m.body));
    (m.attachments || []).forEach(function (a) {
      var p = el("p", null, "📎 ");
      var link = el("a", null, a.name);
      link.href = a.url;
      p.appendChild(link);
      li.appendChild(p);
    });
    if (mine) li.appendChild(el("span", "meta receipt", m.read_at ? "Seen" : "Sent"));
    thread.appendChild(li);
    thread.scrollTop = thread.scrollHeight;
    lastId = Math.max(lastId, m.id);
  }

  function markSeen(upTo) {
    thread.querySelectorAll("li[data-mine='1']").forEach(function (li) {
      if (Number(li.dataset.id) <= upTo) {
        var receipt = li.querySelector(".receipt");
        if (receipt) receipt.textContent = "Seen";
      }
    });
  }

  function poll() {
    var visible = document.visibilityState === "visible";
    fetch(thread.dataset.pollUrl + "?after=" + lastId + (visible ? "&mark_read=1" : ""),
          {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        data.messages.forEach(addMessage);
        if (data.read_up_to) markSeen(data.read_up_to);
      })
      .catch(function () {});
  }

  function startPolling() {
    if (pollTimer) return;
    modeEl.textContent = "Updates every few seconds.";
    thread.dataset.mode = "polling";
    pollTimer = setInterval(poll, 3000);
    poll();
  }

  function showTyping(name) {
    typingEl.textContent = name + " is typing…";
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { typingEl.textContent = ""; }, 4000);
  }

  function connect() {
    if (!("WebSocket" in window)) return startPolling();
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    try {
      socket = new WebSocket(scheme + location.host + "/ws/messages/" + thread.dataset.conversation + "/");
    } catch (e) {
      return startPolling();
    }
    var opened = false;
    socket.onopen = function () {
      opened = true;
      thread.dataset.mode = "live";
      modeEl.textContent = "Live.";
      poll();  // catch up on anything sent before the socket opened
    };
    socket.onmessage = function (e) {
      var event = JSON.parse(e.data);
      if (event.type === "message") {
        addMessage(event.message);
        if (event.message.sender_id !== me && document.visibilityState === "visible") poll();
      } else if (event.type === "read" && event.reader_id !== me) {
        markSeen(event.up_to);
      } else if (event.type === "moderated") {
        // A moderator hid (from the other participant) or deleted the message: drop it here.
        if (event.moderation === "deleted" || (event.moderation === "hidden" && event.sender_id !== me)) {
          var gone = document.getElementById("message-" + event.id);
          if (gone) gone.remove();
        }
      } else if (event.type === "typing") {
        showTyping(event.name);
      }
    };
    socket.onclose = function () {
      socket = null;
      if (!opened) return startPolling();
      setTimeout(connect, 3000);  // a dropped live connection: try again, poll meanwhile
      startPolling();
    };
  }

  form.addEventListener("input", function () {
    var now = Date.now();
    if (socket && socket.readyState === 1 && now - lastTypingSent > 2000) {
      socket.send(JSON.stringify({type: "typing"}));
      lastTypingSent = now;
    }
  });

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    errorEl.textContent = "";
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    fetch(thread.dataset.sendUrl, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: {"Accept": "application/json", "X-CSRFToken": csrf}
    }).then(function (r) {
      return r.json().then(function (data) { return {ok: r.ok, data: data}; });
    }).then(function (result) {
      if (!result.ok) { errorEl.textContent = result.data.detail || "The message could not be sent."; return; }
      addMessage(result.data.message);
      form.reset();
    }).catch(function () {
      errorEl.textContent = "The message could not be sent. Check your connection and try again.";
    }).finally(function () { button.disabled = false; });
  });

  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "visible") poll(); });
  thread.scrollTop = thread.scrollHeight;
  connect();
})();
