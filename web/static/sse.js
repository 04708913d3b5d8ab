/* supportbot live events: the one Server-Sent Events reader (over fetch, so a stream can send an
 * Authorization header, which EventSource cannot) and the one reconnect back-off, shared by the
 * widget (GET /widget.js serves this file first) and the console (its own <script> tag). */
(function (root) {
  "use strict";
  if (root.SupportBotStream) return;

  var MAX_DELAY_MS = 30000;
  // A stream the server ended after a normal life (it closes them every few minutes) is resumed at
  // once; one that died young counts as a failure and backs off.
  var HEALTHY_MS = 5000;
  var RESUME_MS = 200;
  var sleepers = [];

  // Exponential back-off with jitter, so clients cut off together do not all return together.
  function backoffDelay(retries) {
    return Math.min(MAX_DELAY_MS, 1000 * Math.pow(2, retries)) * (0.6 + Math.random() * 0.4);
  }

  // Resolves after ms, or at once when wake() is called (going back online, stopping the stream).
  function sleep(ms) {
    var entry = {};
    var promise = new Promise(function (resolve) {
      var timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        sleepers = sleepers.filter(function (s) { return s !== entry; });
        resolve();
      }
      entry.wake = done;
    });
    sleepers.push(entry);
    return { promise: promise, wake: entry.wake };
  }
  root.addEventListener("online", function () { sleepers.slice().forEach(function (s) { s.wake(); }); });

  // Parse "event:", "data:" and "id:" lines into handler(event, data, id); data is the parsed JSON,
  // or null when the payload is not JSON. Resolves "ended" when the server closes the stream.
  function readEvents(body, handler) {
    var reader = body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";
    function pump() {
      return reader.read().then(function (chunk) {
        if (chunk.done) return "ended";
        buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n?/g, "\n");
        var cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          var block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          var ev = { event: "message", data: [], id: null };
          block.split("\n").forEach(function (line) {
            if (!line || line[0] === ":") return;
            var i = line.indexOf(":");
            var field = i < 0 ? line : line.slice(0, i);
            var value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
            if (field === "event") ev.event = value;
            else if (field === "data") ev.data.push(value);
            else if (field === "id") ev.id = value;
          });
          if (!ev.data.length) continue;
          var parsed = null;
          try { parsed = JSON.parse(ev.data.join("\n")); } catch (e) { parsed = null; }
          try { handler(ev.event, parsed, ev.id); }
          catch (e) { if (root.console) console.warn("supportbot: bad event", e); }
        }
        return pump();
      });
    }
    return pump();
  }

  // Keep one stream open until stop(): connect, read, and on failure reconnect with back-off.
  //   request():      { url, headers } for the next attempt, or a promise of it (a resumed stream sends
  //                   Last-Event-ID; a short-lived stream credential can be fetched here)
  //   onOpen(res):    return "stop" to give up (e.g. the credential was refused); called for every response
  //   onEvent(name, data, id), onLive(isLive): what the page does with events and the connection state
  function connect(options) {
    var state = { on: true, ctrl: null, retries: 0, nap: null };
    function wait(ms) {
      state.nap = sleep(ms);
      return state.nap.promise.then(function () { state.nap = null; });
    }
    function loop() {
      if (!state.on) return;
      var ctrl = new AbortController();
      state.ctrl = ctrl;
      var opened = 0;
      Promise.resolve()
        .then(options.request)
        .then(function (req) {
          var headers = Object.assign({ Accept: "text/event-stream" }, req.headers || {});
          var init = Object.assign({ headers: headers, signal: ctrl.signal, cache: "no-store" }, options.fetch || {});
          return fetch(req.url, init);
        })
        .then(function (res) {
          if (options.onOpen && options.onOpen(res) === "stop") { state.on = false; return "stop"; }
          if (!res.ok || !res.body) throw new Error("events " + res.status);
          state.retries = 0;
          opened = Date.now();
          if (options.onLive) options.onLive(true);
          return readEvents(res.body, options.onEvent);
        })
        .catch(function (err) { return err; })
        .then(function (outcome) {
          if (outcome === "stop" || !state.on || ctrl.signal.aborted) return;
          if (outcome === "ended" && Date.now() - opened > HEALTHY_MS) { wait(RESUME_MS).then(loop); return; }
          if (options.onLive) options.onLive(false);
          wait(backoffDelay(state.retries++)).then(loop);
        });
    }
    loop();
    return {
      stop: function () {
        state.on = false;
        if (state.ctrl) state.ctrl.abort();
        if (state.nap) state.nap.wake();
      }
    };
  }

  root.SupportBotStream = { connect: connect, readEvents: readEvents, backoffDelay: backoffDelay };
})(window);
