/*!
 * supportbot chat widget. One tag adds a launcher and a chat panel inside a Shadow DOM:
 *
 *   <script src="https://support.example.com/widget.js" defer
 *           data-locale="zh-CN" data-title="Help" data-position="right"
 *           data-api="https://support.example.com"></script>
 *
 * Signed-in users: data-identity-token, an HS256 JWT (sub, email, name, exp) the site's backend mints
 * with SUPPORTBOT_IDENTITY_SECRET. Without verification: data-user-id, data-user-name, data-user-email.
 * No framework; every UI string comes from GET /api/v1/i18n/{lang} (English below is only the
 * fallback when that request fails). Text is only ever set with textContent; the one exception, the
 * server's sanitised answer HTML, is parsed inert and rebuilt through an allow-list (richText).
 */
(function () {
  "use strict";
  if (window.SupportBot && window.SupportBot.version) return;

  var script = document.currentScript || (function () {
    var all = document.querySelectorAll('script[src*="widget.js"]');
    return all[all.length - 1];
  })();
  var ds = (script && script.dataset) || {};
  var API = (ds.api || (script && script.src ? new URL(script.src, location.href).origin : location.origin)).replace(/\/+$/, "");
  var LOCALE = ds.locale || navigator.language || "en";
  var POSITION = ds.position === "left" ? "left" : "right";
  var STORE_KEY = "supportbot:" + API;
  var OPEN_KEY = "supportbot:open:" + API;
  var RTL = { ar: 1, he: 1, fa: 1, ur: 1 };

  // Only used when /api/v1/i18n cannot be fetched.
  var FALLBACK = {
    "ui.widget.launcher_label": "Chat with support",
    "ui.widget.title": "Exchange Support",
    "ui.widget.subtitle_online": "We usually reply in a few minutes",
    "ui.widget.subtitle_bot": "Instant answers; a person when you need one",
    "ui.widget.subtitle_waiting": "Waiting for an agent",
    "ui.widget.subtitle_busy": "Our agents are busy",
    "ui.widget.subtitle_offline": "No agents online right now",
    "ui.widget.subtitle_with_agent": "You're chatting with an agent",
    "ui.widget.wait_busy": "Agents are busy: we'll reply here or by e-mail",
    "ui.widget.wait_nobody_online": "No agent is online right now",
    "ui.widget.placeholder": "Type your message…",
    "ui.widget.send": "Send",
    "ui.widget.close": "Close",
    "ui.widget.minimize": "Minimize",
    "ui.widget.helpful_question": "Was this helpful?",
    "ui.widget.yes": "Yes",
    "ui.widget.no": "No",
    "ui.widget.source": "Source",
    "ui.widget.confidence": "Confidence",
    "ui.widget.you": "You",
    "ui.widget.assistant": "Virtual assistant",
    "ui.widget.agent": "Agent",
    "ui.widget.system": "System",
    "ui.widget.queue_position": "Position in queue: {position}",
    "ui.widget.estimated_wait": "About {minutes} min",
    "ui.widget.csat_title": "Rate your support",
    "ui.widget.csat_submit": "Send rating",
    "ui.widget.csat_comment_placeholder": "Anything else you'd like to tell us? (optional)",
    "ui.widget.contact_placeholder": "Your email",
    "ui.widget.contact_submit": "Save",
    "ui.widget.talk_to_agent": "Talk to an agent",
    "ui.widget.connection_lost": "Connection lost.",
    "ui.widget.reconnecting": "Reconnecting…",
    "ui.widget.new_conversation": "New conversation",
    "ui.widget.error_generic": "Something went wrong. Please try again."
  };

  var CSS = [
    ":host{all:initial !important;display:block !important;position:static !important;}",
    ".sb-root{all:initial;font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans','Noto Sans CJK SC','Noto Sans Arabic',sans-serif;",
    "  font-size:14px;line-height:1.45;color:#1b1f24;font-weight:400;font-style:normal;letter-spacing:normal;text-transform:none;",
    "  --sb-accent:#0a5bd3;--sb-accent-ink:#fff;--sb-bg:#fff;--sb-soft:#f2f4f7;--sb-line:#d9dee5;--sb-muted:#5b6470;--sb-focus:#ffb020;}",
    ".sb-root *,.sb-root *::before,.sb-root *::after{box-sizing:border-box;font:inherit;color:inherit;letter-spacing:inherit;text-transform:none;}",
    ".sb-vh{position:absolute !important;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0;}",
    "button{cursor:pointer;border:0;background:none;margin:0;padding:0;}",
    "button:disabled{cursor:default;opacity:.55;}",
    ":focus{outline:none;}",
    ":focus-visible{outline:3px solid var(--sb-focus) !important;outline-offset:2px;}",
    /* the corner of the page is physical (data-position); everything inside the panel is logical */
    ".sb-launcher{position:fixed;bottom:20px;right:20px;z-index:2147483000;width:56px;height:56px;border-radius:50%;",
    "  background:var(--sb-accent);color:var(--sb-accent-ink);box-shadow:0 6px 20px rgba(10,40,90,.3);display:grid;place-items:center;}",
    ".sb-left .sb-launcher{right:auto;left:20px;}",
    ".sb-launcher svg{width:28px;height:28px;fill:currentColor;}",
    ".sb-launcher:hover{filter:brightness(1.1);}",
    ".sb-badge{position:absolute;top:-2px;inset-inline-end:-2px;min-width:20px;height:20px;padding:0 6px;border-radius:10px;background:#d92d20;",
    "  color:#fff;font-size:12px;font-weight:700;line-height:20px;text-align:center;}",
    ".sb-panel{position:fixed;bottom:88px;right:20px;z-index:2147483001;width:min(390px,calc(100vw - 24px));height:min(620px,calc(100vh - 108px));",
    "  display:flex;flex-direction:column;background:var(--sb-bg);border:1px solid var(--sb-line);border-radius:16px;",
    "  box-shadow:0 12px 40px rgba(10,30,60,.28);overflow:hidden;}",
    ".sb-left .sb-panel{right:auto;left:20px;}",
    ".sb-panel[hidden]{display:none;}",
    "@media (max-width:480px){.sb-panel{inset:0;width:100vw;height:100vh;border-radius:0;border:0;}}",
    ".sb-header{display:flex;align-items:center;gap:10px;padding:12px 14px;background:var(--sb-accent);color:var(--sb-accent-ink);}",
    ".sb-header .sb-titles{flex:1;min-width:0;}",
    ".sb-title{margin:0;font-size:16px;font-weight:650;line-height:1.3;}",
    ".sb-subtitle{margin:0;font-size:12.5px;opacity:.9;}",
    ".sb-iconbtn{width:34px;height:34px;border-radius:8px;display:grid;place-items:center;color:inherit;font-size:22px;line-height:1;}",
    ".sb-iconbtn:hover{background:rgba(255,255,255,.16);}",
    ".sb-conn{padding:6px 14px;font-size:12.5px;background:#fff4d6;color:#6b4a00;border-block-end:1px solid #f0d58a;}",
    ".sb-conn[hidden],.sb-queue[hidden],.sb-alert[hidden],.sb-tools[hidden],.sb-form[hidden]{display:none;}",
    ".sb-queue{display:flex;gap:8px;align-items:center;padding:8px 14px;font-size:13px;background:#eaf2ff;color:#0b3b82;border-block-end:1px solid #c9dbfb;}",
    ".sb-queue .sb-dot{width:8px;height:8px;border-radius:50%;background:#0a5bd3;animation:sb-pulse 1.4s infinite;}",
    "@keyframes sb-pulse{0%,100%{opacity:.3}50%{opacity:1}}",
    ".sb-alert{padding:8px 14px;font-size:13px;background:#fdecea;color:#8a1c12;border-block-end:1px solid #f5c2bd;}",
    ".sb-log{flex:1;overflow-y:auto;margin:0;padding:14px;list-style:none;display:flex;flex-direction:column;gap:10px;background:#fafbfc;}",
    ".sb-msg{display:flex;flex-direction:column;max-width:86%;align-self:flex-start;align-items:flex-start;}",
    ".sb-msg.sb-user{align-self:flex-end;align-items:flex-end;}",
    ".sb-msg.sb-system{align-self:center;align-items:center;max-width:94%;}",
    ".sb-who{font-size:11.5px;color:var(--sb-muted);margin-block-end:3px;padding-inline:4px;}",
    ".sb-bubble{padding:9px 12px;border-radius:14px;background:#fff;border:1px solid var(--sb-line);white-space:pre-wrap;overflow-wrap:anywhere;",
    "  border-end-start-radius:4px;text-align:start;}",
    ".sb-rich{white-space:normal;}",
    ".sb-rich>:first-child{margin-block-start:0;}.sb-rich>:last-child{margin-block-end:0;}",
    ".sb-rich p,.sb-rich ul,.sb-rich ol,.sb-rich pre,.sb-rich blockquote{margin:0 0 6px;}",
    ".sb-rich ul,.sb-rich ol{padding-inline-start:20px;}",
    ".sb-rich li{margin:2px 0;}",
    ".sb-rich strong{font-weight:650;}.sb-rich em{font-style:italic;}",
    ".sb-rich code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.92em;background:var(--sb-soft);padding:0 3px;border-radius:4px;}",
    ".sb-rich a,a.sb-source-title{color:var(--sb-accent);text-decoration:underline;}",
    ".sb-user .sb-bubble{background:var(--sb-accent);color:#fff;border-color:var(--sb-accent);border-end-start-radius:14px;border-end-end-radius:4px;}",
    ".sb-agent .sb-bubble{background:#ecfdf3;border-color:#a6e4c0;}",
    ".sb-agent .sb-who{color:#116b3c;font-weight:600;}",
    ".sb-system .sb-bubble{background:var(--sb-soft);border-color:transparent;border-radius:10px;font-size:13px;color:#39424e;text-align:center;}",
    ".sb-msg.sb-warning .sb-bubble{background:#fff7e6;border:1px solid #f5b94a;color:#5c3b00;text-align:start;border-inline-start:4px solid #e08a00;}",
    ".sb-warning .sb-bubble::before{content:'\\26A0\\FE0F  ';}",
    ".sb-a-handoff .sb-bubble{border-inline-start:4px solid #0a5bd3;}",
    ".sb-meta{margin:5px 4px 0;font-size:12px;color:var(--sb-muted);display:flex;flex-wrap:wrap;gap:4px 12px;}",
    ".sb-meta b{font-weight:600;color:#39424e;}",
    ".sb-conf-bar{display:inline-block;width:40px;height:6px;border-radius:3px;background:#e3e7ee;vertical-align:middle;margin-inline-start:4px;overflow:hidden;}",
    ".sb-conf-bar i{display:block;height:100%;background:#1f9d55;}",
    ".sb-helpful{margin:6px 4px 0;display:flex;flex-wrap:wrap;align-items:center;gap:6px;font-size:12.5px;color:var(--sb-muted);}",
    ".sb-helpful .sb-chip{flex:none;white-space:nowrap;}",
    ".sb-helpful .sb-helpful-q,.sb-helpful .sb-thanks{flex:0 1 auto;min-width:0;}",
    ".sb-chip{border:1px solid var(--sb-line);background:#fff;color:#1b1f24;border-radius:999px;padding:4px 11px;font-size:12.5px;}",
    ".sb-chip:hover:not(:disabled){border-color:var(--sb-accent);color:var(--sb-accent);}",
    ".sb-chip[aria-pressed=true]{background:var(--sb-accent);color:#fff;border-color:var(--sb-accent);opacity:1;}",
    ".sb-quick{margin:7px 0 0;display:flex;flex-wrap:wrap;gap:6px;}",
    ".sb-quick .sb-chip{border-color:var(--sb-accent);color:var(--sb-accent);padding:6px 12px;font-size:13px;text-align:start;}",
    ".sb-time{font-size:10.5px;color:#8a939f;margin:2px 4px 0;}",
    ".sb-typing{align-self:flex-start;display:flex;gap:4px;padding:12px 14px;background:#fff;border:1px solid var(--sb-line);border-radius:14px;}",
    ".sb-typing span{width:6px;height:6px;border-radius:50%;background:#98a2b3;animation:sb-pulse 1s infinite;}",
    ".sb-typing span:nth-child(2){animation-delay:.15s}.sb-typing span:nth-child(3){animation-delay:.3s}",
    ".sb-pending{opacity:.7;}",
    ".sb-form{margin:0;padding:12px 14px;border-block-start:1px solid var(--sb-line);background:#fff;display:flex;flex-direction:column;gap:8px;}",
    ".sb-form fieldset{border:0;margin:0;padding:0;min-width:0;}",
    ".sb-form legend{font-weight:600;padding:0;margin-block-end:6px;}",
    ".sb-stars{display:flex;gap:4px;}",
    ".sb-star{position:relative;}",
    ".sb-star input{position:absolute;opacity:0;width:100%;height:100%;margin:0;cursor:pointer;}",
    ".sb-star span[aria-hidden]{display:block;font-size:28px;line-height:1;color:#c8ced8;padding:2px;border-radius:6px;}",
    ".sb-star.sb-on span[aria-hidden]{color:#f5a623;}",
    ".sb-star input:focus-visible+span{outline:3px solid var(--sb-focus);outline-offset:1px;}",
    ".sb-field{width:100%;border:1px solid var(--sb-line);border-radius:10px;padding:8px 10px;background:#fff;color:#1b1f24;resize:none;}",
    ".sb-field:focus-visible{outline:3px solid var(--sb-focus) !important;outline-offset:0;border-color:var(--sb-accent);}",
    ".sb-row{display:flex;gap:8px;align-items:center;}",
    ".sb-primary{background:var(--sb-accent);color:#fff;border-radius:10px;padding:8px 14px;font-weight:600;white-space:nowrap;}",
    ".sb-done{color:#116b3c;font-weight:600;margin:0;display:flex;gap:10px;align-items:center;flex-wrap:wrap;}",
    ".sb-stars-done{color:#f5a623;font-size:20px;letter-spacing:2px;}",
    ".sb-thanks{color:#116b3c;font-weight:600;}",
    ".sb-tools{display:flex;gap:8px;padding:8px 14px 0;background:#fff;border-block-start:1px solid var(--sb-line);}",
    ".sb-link{color:var(--sb-accent);font-size:13px;font-weight:600;border-radius:6px;padding:2px 4px;}",
    ".sb-link:hover{text-decoration:underline;}",
    ".sb-composer{display:flex;gap:8px;align-items:flex-end;padding:10px 14px 12px;background:#fff;margin:0;}",
    ".sb-composer textarea{flex:1;max-height:120px;min-height:40px;line-height:1.4;}",
    ".sb-send{height:40px;}",
    "@media (prefers-reduced-motion:reduce){.sb-queue .sb-dot,.sb-typing span{animation:none}}"
  ].join("\n");

  var ICON_CHAT = '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z"/></svg>';
  var ICON_CLOSE = '<svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true" focusable="false"><path fill="currentColor" d="M6.7 5.3 12 10.6l5.3-5.3 1.4 1.4L13.4 12l5.3 5.3-1.4 1.4L12 13.4l-5.3 5.3-1.4-1.4L10.6 12 5.3 6.7z"/></svg>';

  // ---------------------------------------------------------------- state
  var texts = Object.assign({}, FALLBACK);
  var uiLang = baseLang(LOCALE);
  var langWanted = uiLang;            // the language the UI follows (locale, then the conversation's)
  var i18nCache = {};
  var session = loadSession();        // {conversation_id, token, csat_done?}
  var conversation = null;            // the latest ConversationOut
  var bySeq = {};                     // seq -> {msg, li}
  var lastSeq = 0;
  var isOpen = false;
  var unread = 0;
  var starting = null;                // the pending start/resume promise
  var ready = false;                  // the conversation is loaded and its stream started
  var stream = { live: null, connected: false };
  var sendBlockedUntil = 0;

  // ---------------------------------------------------------------- helpers
  function baseLang(code) { return String(code || "en").trim().toLowerCase().replace("_", "-").split("-")[0] || "en"; }
  function t(key) { return texts[key] != null ? texts[key] : (FALLBACK[key] != null ? FALLBACK[key] : key); }
  function fmt(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (m, name) { return values && values[name] != null ? String(values[name]) : m; });
  }
  function colon() { return /^(zh|ja)$/.test(uiLang) ? "：" : (uiLang === "fr" ? " : " : ": "); }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v == null || v === false) return;
      if (k === "text") node.textContent = v;
      else if (k === "class") node.className = v;
      else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  // A translated label that follows later language switches.
  function tl(tag, key, values, attrs) {
    var node = el(tag, attrs);
    node.setAttribute("data-i18n", key);
    if (values) node.setAttribute("data-i18n-args", JSON.stringify(values));
    node.textContent = fmt(t(key), values);
    return node;
  }
  function percent(p) {
    try { return new Intl.NumberFormat(uiLang, { style: "percent", maximumFractionDigits: 0 }).format(p); }
    catch (e) { return Math.round(p * 100) + "%"; }
  }
  function clock(iso) {
    var d = iso ? new Date(iso) : null;
    if (!d || isNaN(d)) return "";
    try { return new Intl.DateTimeFormat(uiLang, { hour: "2-digit", minute: "2-digit" }).format(d); }
    catch (e) { return d.toTimeString().slice(0, 5); }
  }
  function loadSession() {
    try { var s = JSON.parse(localStorage.getItem(STORE_KEY) || "null"); return s && s.conversation_id && s.token ? s : null; }
    catch (e) { return null; }
  }
  function saveSession() {
    try { if (session) localStorage.setItem(STORE_KEY, JSON.stringify(session)); else localStorage.removeItem(STORE_KEY); }
    catch (e) { /* storage may be disabled: the chat still works for this page view */ }
  }

  function ApiError(status, code, message, retryAfter) {
    this.status = status; this.code = code; this.message = message; this.retryAfter = retryAfter;
  }
  function api(method, path, body, auth, extra) {
    var headers = Object.assign({ Accept: "application/json" }, extra || {});
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (auth !== false && session) headers.Authorization = "Bearer " + session.token;
    return fetch(API + path, {
      method: method, headers: headers, credentials: "omit", cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (res) {
      return res.text().then(function (raw) {
        var data = null;
        try { data = raw ? JSON.parse(raw) : null; } catch (e) { data = null; }
        if (!res.ok) {
          var err = (data && data.error) || {};
          throw new ApiError(res.status, err.code || "http_" + res.status, err.message || res.statusText,
            parseInt(res.headers.get("Retry-After") || "0", 10) || 0);
        }
        return data;
      });
    });
  }
  function isBadToken(err) {
    return err instanceof ApiError && (err.status === 401 || err.status === 404 || err.code === "invalid_token" ||
      err.code === "forbidden_token");
  }

  // ---------------------------------------------------------------- i18n
  function fetchTexts(lang) {
    lang = baseLang(lang);
    if (!i18nCache[lang]) {
      i18nCache[lang] = api("GET", "/api/v1/i18n/" + encodeURIComponent(lang), undefined, false)
        .then(function (d) { return { lang: d.lang || lang, dir: d.dir || (RTL[lang] ? "rtl" : "ltr"), texts: d.texts || {} }; })
        .catch(function () { delete i18nCache[lang]; return { lang: "en", dir: "ltr", texts: {}, failed: true }; });
    }
    return i18nCache[lang];
  }
  function setLanguage(lang) {
    langWanted = baseLang(lang);
    return fetchTexts(lang).then(function (d) {
      if (baseLang(lang) !== langWanted) return; // a later switch won the race
      texts = Object.assign({}, FALLBACK, d.texts);
      uiLang = d.failed ? baseLang(lang) : baseLang(d.lang);
      var dir = RTL[baseLang(lang)] ? "rtl" : (d.failed ? "ltr" : d.dir);
      ui.panel.setAttribute("dir", dir);
      ui.panel.setAttribute("lang", uiLang);
      ui.root.setAttribute("dir", dir);
      relabel();
    });
  }
  function relabel() {
    ui.root.querySelectorAll("[data-i18n]").forEach(function (node) {
      var args = node.getAttribute("data-i18n-args");
      node.textContent = fmt(t(node.getAttribute("data-i18n")), args ? JSON.parse(args) : null);
    });
    ui.root.querySelectorAll("[data-i18n-attr]").forEach(function (node) {
      node.getAttribute("data-i18n-attr").split(";").forEach(function (pair) {
        var kv = pair.split("=");
        node.setAttribute(kv[0], t(kv[1]));
      });
    });
    ui.root.querySelectorAll("[data-colon]").forEach(function (node) { node.textContent = colon(); });
    ui.root.querySelectorAll("[data-percent]").forEach(function (node) { node.textContent = percent(+node.getAttribute("data-percent")); });
    ui.root.querySelectorAll("time[datetime]").forEach(function (node) { node.textContent = clock(node.getAttribute("datetime")); });
    ui.root.querySelectorAll("[data-agent-label]").forEach(function (node) { node.textContent = agentLabel(node.getAttribute("data-agent-label")); });
    if (ds.title) ui.title.textContent = ds.title;
    updateLauncherLabel();
    updateQueue();
  }

  // ---------------------------------------------------------------- DOM
  var host = document.createElement("supportbot-widget");
  host.setAttribute("data-supportbot", "");
  var shadow = host.attachShadow({ mode: "open" });
  var ui = {};
  function build() {
    shadow.appendChild(el("style", { text: CSS }));
    ui.root = el("div", { class: "sb-root sb-" + POSITION });
    ui.launcher = el("button", { type: "button", class: "sb-launcher", "aria-expanded": "false", "aria-controls": "sb-panel",
      "aria-haspopup": "dialog", onclick: function () { toggle(); } });
    ui.launcher.innerHTML = ICON_CHAT; // static markup, no message text
    ui.badge = el("span", { class: "sb-badge", "aria-hidden": "true", hidden: true });
    ui.launcher.appendChild(ui.badge);

    ui.title = tl("h2", "ui.widget.title", null, { class: "sb-title", id: "sb-title" });
    ui.close = el("button", { type: "button", class: "sb-iconbtn sb-close", "data-i18n-attr": "aria-label=ui.widget.close;title=ui.widget.close",
      onclick: function () { close(true); } });
    ui.close.innerHTML = ICON_CLOSE;
    var header = el("header", { class: "sb-header" }, [
      el("div", { class: "sb-titles" }, [ui.title, ui.subtitle = tl("p", "ui.widget.subtitle_bot", null, { class: "sb-subtitle" })]),
      ui.close
    ]);
    ui.conn = el("div", { class: "sb-conn", role: "status", hidden: true }, [
      tl("span", "ui.widget.connection_lost"), " ", tl("span", "ui.widget.reconnecting")
    ]);
    ui.queue = el("div", { class: "sb-queue", role: "status", hidden: true });
    ui.alert = el("div", { class: "sb-alert", role: "alert", hidden: true });
    ui.log = el("ol", { class: "sb-log", role: "log", "aria-live": "polite", "aria-relevant": "additions", "aria-labelledby": "sb-title", tabindex: "0" });

    ui.contact = buildContactForm();
    ui.csat = buildCsatForm();

    ui.agentBtn = tl("button", "ui.widget.talk_to_agent", null, { type: "button", class: "sb-link sb-agent-btn", onclick: function () { requestAgent(); } });
    ui.newBtn = tl("button", "ui.widget.new_conversation", null, { type: "button", class: "sb-link sb-new-btn", hidden: true,
      onclick: function () { newConversation(); } });
    ui.tools = el("div", { class: "sb-tools", hidden: true }, [ui.agentBtn, ui.newBtn]);

    ui.input = el("textarea", { id: "sb-input", class: "sb-field", rows: "1", maxlength: "2000", autocomplete: "off",
      "data-i18n-attr": "placeholder=ui.widget.placeholder" });
    ui.input.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) { e.preventDefault(); submit(); }
    });
    ui.input.addEventListener("input", autosize);
    ui.send = tl("button", "ui.widget.send", null, { type: "submit", class: "sb-primary sb-send" });
    ui.composer = el("form", { class: "sb-composer", onsubmit: function (e) { e.preventDefault(); submit(); } }, [
      tl("label", "ui.widget.placeholder", null, { for: "sb-input", class: "sb-vh" }), ui.input, ui.send
    ]);

    ui.panel = el("section", { id: "sb-panel", class: "sb-panel", role: "dialog", "aria-modal": "false", "aria-labelledby": "sb-title",
      hidden: true, dir: "ltr", lang: uiLang }, [header, ui.conn, ui.queue, ui.alert, ui.log, ui.contact, ui.csat, ui.tools, ui.composer]);
    ui.panel.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { e.stopPropagation(); close(true); }
    });
    ui.root.appendChild(ui.panel);
    ui.root.appendChild(ui.launcher);
    shadow.appendChild(ui.root);
    relabel();
  }

  function buildContactForm() {
    var input = el("input", { type: "email", id: "sb-contact", class: "sb-field", autocomplete: "email", required: true,
      "data-i18n-attr": "placeholder=ui.widget.contact_placeholder" });
    // novalidate: the server checks the address and explains in the conversation's language.
    var form = el("form", { class: "sb-form sb-contact", hidden: true, novalidate: true }, [
      tl("label", "ui.widget.contact_placeholder", null, { for: "sb-contact", class: "sb-vh" }),
      el("div", { class: "sb-row" }, [input, tl("button", "ui.widget.contact_submit", null, { type: "submit", class: "sb-primary" })])
    ]);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var value = input.value.trim();
      if (!value || !session) return;
      api("POST", path("/contact"), { contact: value }).then(function (data) {
        ui.alert.hidden = true;
        absorb(data);
        form.hidden = true;
        session.contact_done = true; saveSession();
      }).catch(function (err) { showError(err); input.focus(); });
    });
    return form;
  }

  function buildCsatForm() {
    var stars = el("div", { class: "sb-stars" });
    var chosen = 0;
    function paint(n) { stars.querySelectorAll(".sb-star").forEach(function (s, i) { s.classList.toggle("sb-on", i < n); }); }
    for (var i = 1; i <= 5; i++) {
      (function (n) {
        var radio = el("input", { type: "radio", name: "sb-rating", value: String(n), "aria-label": String(n) + " / 5" });
        radio.addEventListener("change", function () { chosen = n; paint(n); });
        var label = el("label", { class: "sb-star" }, [radio, el("span", { "aria-hidden": "true", text: "★" })]);
        label.addEventListener("mouseenter", function () { paint(n); });
        label.addEventListener("mouseleave", function () { paint(chosen); });
        stars.appendChild(label);
      })(i);
    }
    var comment = el("textarea", { class: "sb-field", rows: "2", maxlength: "1000", id: "sb-csat-comment",
      "data-i18n-attr": "placeholder=ui.widget.csat_comment_placeholder" });
    var submit = tl("button", "ui.widget.csat_submit", null, { type: "submit", class: "sb-primary" });
    var form = el("form", { class: "sb-form sb-csat", hidden: true }, [
      el("fieldset", null, [tl("legend", "ui.widget.csat_title", null, { id: "sb-csat-title" }), stars]),
      tl("label", "ui.widget.csat_comment_placeholder", null, { for: "sb-csat-comment", class: "sb-vh" }),
      comment,
      el("div", { class: "sb-row" }, [submit])
    ]);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (!chosen) { stars.querySelector("input").focus(); return; }
      var body = { rating: chosen };
      if (comment.value.trim()) body.comment = comment.value.trim();
      submit.disabled = true;
      api("POST", path("/feedback"), body).then(function (data) {
        session.csat_done = true; saveSession();
        form.replaceChildren(el("p", { class: "sb-done", role: "status" }, [
          el("span", { class: "sb-stars-done", "aria-hidden": "true", text: "★★★★★".slice(0, chosen) + "☆☆☆☆☆".slice(chosen) }),
          el("span", { class: "sb-vh", text: chosen + " / 5" }),
          el("span", { text: data && typeof data.message === "string" ? data.message : "✓" })
        ]));
      }).catch(function (err) { submit.disabled = false; showError(err); });
    });
    return form;
  }

  function autosize() {
    ui.input.style.height = "auto";
    ui.input.style.height = Math.min(120, ui.input.scrollHeight + 2) + "px";
  }
  function path(suffix) { return "/api/v1/conversations/" + encodeURIComponent(session.conversation_id) + (suffix || ""); }

  // ---------------------------------------------------------------- open / close
  function open() {
    if (isOpen) return;
    isOpen = true;
    ui.panel.hidden = false;
    ui.launcher.setAttribute("aria-expanded", "true");
    unread = 0; updateBadge();
    try { sessionStorage.setItem(OPEN_KEY, "1"); } catch (e) { /* ignore */ }
    ensureConversation();
    ui.input.focus();
    scrollDown();
  }
  function close(returnFocus) {
    if (!isOpen) return;
    isOpen = false;
    ui.panel.hidden = true;
    ui.launcher.setAttribute("aria-expanded", "false");
    try { sessionStorage.removeItem(OPEN_KEY); } catch (e) { /* ignore */ }
    if (returnFocus) ui.launcher.focus();
  }
  function toggle() { if (isOpen) close(true); else open(); }
  function updateLauncherLabel() {
    ui.launcher.setAttribute("aria-label", t("ui.widget.launcher_label") + (unread ? " (" + unread + ")" : ""));
  }
  function updateBadge() {
    ui.badge.hidden = !unread;
    ui.badge.textContent = unread > 9 ? "9+" : String(unread);
    updateLauncherLabel();
  }

  // ---------------------------------------------------------------- conversation life
  function ensureConversation() {
    if (ready && session) return Promise.resolve();
    if (starting) return starting;
    starting = (session ? resume() : start())
      .then(function () { ready = !!session; }, function (err) { showError(err); })
      .then(function () { starting = null; });
    return starting;
  }
  function userBody() {
    var body = { locale: LOCALE };
    // The token alone says who the user is; the server stores only its verified claims.
    if (ds.identityToken) { body.identity_token = ds.identityToken; return body; }
    var user = {};
    if (ds.userId) user.id = ds.userId;
    if (ds.userName) user.name = ds.userName;
    if (ds.userEmail) user.email = ds.userEmail;
    if (user.id) body.user = user;
    return body;
  }
  function start() {
    return api("POST", "/api/v1/conversations", userBody(), false).then(function (data) {
      session = { conversation_id: data.conversation_id, token: data.token };
      saveSession();
      clearLog();
      applyConversation(Object.assign({ id: data.conversation_id, status: data.status, language: data.language }, data.conversation || {}));
      (data.messages || []).forEach(addMessage);
      connectStream();
    });
  }
  function resume() {
    return api("GET", path("/messages?after=0")).then(function (data) {
      var list = Array.isArray(data) ? data : (data && data.messages) || [];
      if (data && data.conversation) applyConversation(data.conversation);
      list.forEach(addMessage);
      if (!conversation) {
        var lastLang = null;
        list.forEach(function (m) { if (m.sender !== "user" && m.language) lastLang = m.language; });
        if (lastLang) applyConversation({ id: session.conversation_id, language: lastLang });
      }
      connectStream();
    }).catch(function (err) {
      if (isBadToken(err)) { forget(); return isOpen ? start() : null; }
      throw err;
    });
  }
  function forget() {
    ready = false;
    stopStream();
    session = null; saveSession();
    conversation = null;
    clearLog();
    ui.csat.hidden = true; ui.contact.hidden = true;
  }
  function newConversation() {
    forget();
    return start().then(function () { ready = true; ui.input.focus(); }).catch(showError);
  }
  function clearLog() {
    bySeq = {}; lastSeq = 0;
    ui.log.querySelectorAll("[data-seq]").forEach(function (node) { node.remove(); }); // pending rows stay
  }

  function applyConversation(c) {
    if (!c) return;
    conversation = Object.assign({}, conversation || {}, c);
    if (c.language && baseLang(c.language) !== langWanted) setLanguage(c.language);
    var status = conversation.status || "";
    ui.panel.setAttribute("data-status", status);
    ui.panel.setAttribute("data-wait", status === "waiting" ? (conversation.wait_state || "") : "");
    updateQueue();
    updateSubtitle();
    ui.tools.hidden = !session;
    updateAgentButton();
    ui.newBtn.hidden = status !== "resolved";
    if (status === "resolved" && session && !session.csat_done) showCsat();
    if (status !== "resolved") ui.csat.hidden = true;
    // Nobody online, or agents busy past the cap: offer to leave an email address (once).
    var noNumber = conversation.agents_online === 0 || conversation.wait_state === "busy" || conversation.wait_state === "nobody_online";
    ui.contact.hidden = !(status === "waiting" && noNumber && !conversation.contact && session && !session.contact_done);
  }
  function showCsat() {
    if (!ui.csat.hidden) return;
    ui.csat.hidden = false;
    ui.contact.hidden = true;
  }
  function updateQueue() {
    if (!ui.queue) return;
    var c = conversation;
    if (!c || c.status !== "waiting") { ui.queue.hidden = true; return; }
    var parts = [el("span", { class: "sb-dot", "aria-hidden": "true" })];
    if (c.queue_position) parts.push(tl("span", "ui.widget.queue_position", { position: c.queue_position }, { class: "sb-pos" }));
    // Only one of: a number (within the server's cap), "agents are busy", "nobody online".
    var wait = null;
    if (c.wait_state === "busy") wait = tl("span", "ui.widget.wait_busy", null, { class: "sb-eta", "data-wait": "busy" });
    else if (c.wait_state === "nobody_online" || c.agents_online === 0) wait = tl("span", "ui.widget.wait_nobody_online", null, { class: "sb-eta", "data-wait": "nobody_online" });
    else if (c.estimated_wait_s != null) wait = tl("span", "ui.widget.estimated_wait", { minutes: Math.max(1, Math.ceil(c.estimated_wait_s / 60)) }, { class: "sb-eta", "data-wait": "estimate" });
    if (wait) {
      if (c.queue_position) parts.push(el("span", { "aria-hidden": "true", text: "·" }));
      parts.push(wait);
    }
    ui.queue.replaceChildren.apply(ui.queue, parts);
    ui.queue.hidden = parts.length === 1;
  }

  // The header says what is true now: the assistant, waiting (number, busy or nobody online), or a person.
  function updateSubtitle() {
    var c = conversation || {};
    var key = "ui.widget.subtitle_bot";
    if (c.status === "with_agent") key = "ui.widget.subtitle_with_agent";
    else if (c.status === "waiting") {
      key = c.wait_state === "busy" ? "ui.widget.subtitle_busy"
        : (c.wait_state === "nobody_online" || c.agents_online === 0) ? "ui.widget.subtitle_offline" : "ui.widget.subtitle_waiting";
    }
    ui.subtitle.setAttribute("data-i18n", key);
    ui.subtitle.textContent = t(key);
  }

  // Replies of POST routes: {message?, replies?, conversation?}
  function absorb(data) {
    if (!data) return;
    if (data.message && data.message.seq != null) addMessage(data.message);
    (data.replies || []).forEach(addMessage);
    (data.messages || []).forEach(addMessage);
    if (data.conversation) applyConversation(data.conversation);
  }

  // ---------------------------------------------------------------- messages
  function agentLabel(name) {
    return name ? name + " · " + t("ui.widget.agent") : t("ui.widget.agent");
  }
  function senderLabel(m) {
    if (m.sender === "user") return tl("span", "ui.widget.you", null, { class: "sb-who" });
    if (m.sender === "bot") return tl("span", "ui.widget.assistant", null, { class: "sb-who" });
    if (m.sender === "agent") {
      var name = m.author || (conversation && conversation.agent_name) || "";
      return el("span", { class: "sb-who", "data-agent-label": name, text: agentLabel(name) });
    }
    return tl("span", "ui.widget.system", null, { class: "sb-who sb-vh" });
  }
  function isAgentReply(m, text) {
    if (m.action === "out_of_scope") return true;
    if (text === t("ui.widget.talk_to_agent") || text === FALLBACK["ui.widget.talk_to_agent"]) return true;
    return false;
  }
  function renderMessage(m) {
    var cls = "sb-msg sb-" + (m.sender || "bot");
    if (m.action === "warning") cls += " sb-warning";
    if (m.action) cls += " sb-a-" + m.action.replace(/[^a-z_]/g, "");
    var li = el("li", { class: cls, "data-seq": m.seq, "data-sender": m.sender, "data-action": m.action || null, "data-kind": m.kind || null });
    li.appendChild(senderLabel(m));
    var bubble = el("div", { class: "sb-bubble", dir: "auto", lang: m.language || null });
    if (m.sender !== "user" && m.html) { bubble.classList.add("sb-rich"); bubble.appendChild(richText(m.html)); }
    else bubble.appendChild(plainText(m.text));
    li.appendChild(bubble);

    if (m.sender === "bot" && m.action === "answer") {
      var meta = el("div", { class: "sb-meta" });
      (m.sources || []).forEach(function (s) {
        meta.appendChild(el("span", { class: "sb-source" }, [
          tl("b", "ui.widget.source"), el("span", { "data-colon": "", text: colon() }), sourceLink(s)
        ]));
      });
      if (typeof m.confidence === "number") {
        var bar = el("span", { class: "sb-conf-bar", "aria-hidden": "true" }, [el("i")]);
        bar.firstChild.style.width = Math.round(Math.max(0, Math.min(1, m.confidence)) * 100) + "%";
        meta.appendChild(el("span", { class: "sb-confidence" }, [
          tl("b", "ui.widget.confidence"), el("span", { "data-colon": "", text: colon() }),
          el("span", { "data-percent": String(m.confidence), text: percent(m.confidence) }), bar
        ]));
      }
      li.appendChild(meta);
      li.appendChild(helpfulRow(m));
    }
    if (m.quick_replies && m.quick_replies.length) {
      var quick = el("div", { class: "sb-quick", role: "group" });
      m.quick_replies.forEach(function (q) {
        quick.appendChild(el("button", { type: "button", class: "sb-chip", dir: "auto", text: q, onclick: function () {
          disableQuickReplies();
          if (isAgentReply(m, q)) requestAgent(); else send(q);
        } , "data-agent-chip": isAgentReply(m, q) ? "" : null }));
      });
      li.appendChild(quick);
    }
    var time = clock(m.created_at);
    if (time) li.appendChild(el("time", { class: "sb-time", datetime: m.created_at, text: time }));
    return li;
  }
  // The allow-list copier and the redaction labels are SupportBotRich's (richtext.js, served first).
  var Rich = window.SupportBotRich;
  function redactedLabel(kind) { var k = "ui.redacted." + kind; return texts[k] != null ? texts[k] : (FALLBACK[k] != null ? FALLBACK[k] : null); }
  function safeHref(href) { return Rich.safeHref(href, API + "/"); }
  function richText(html) { return Rich.richText(html, { base: API + "/", label: redactedLabel }); }
  function plainText(text) { return Rich.plainText(text, { label: redactedLabel }); }
  function sourceLink(s) {
    var attrs = { dir: "auto", class: "sb-source-title", "data-slug": s.slug || null, text: s.title || s.slug };
    var href = s.url ? safeHref(s.url) : null;
    if (!href) return el("span", attrs);
    attrs.href = href; attrs.target = "_blank"; attrs.rel = "noopener";
    if (s.lang) attrs.hreflang = s.lang;
    return el("a", attrs);
  }
  function helpfulRow(m) {
    var row = el("div", { class: "sb-helpful", role: "group" });
    row.appendChild(tl("span", "ui.widget.helpful_question", null, { class: "sb-helpful-q" }));
    function vote(helpful, btn) {
      row.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      btn.setAttribute("aria-pressed", "true");
      api("POST", path("/feedback"), { message_id: m.id, helpful: helpful }).then(function (data) {
        if (data && typeof data.message === "string") {
          row.querySelector(".sb-helpful-q").replaceWith(el("span", { class: "sb-thanks", role: "status", text: data.message }));
        }
        if (!helpful && conversation && conversation.status === "bot") ui.agentBtn.focus();
      }).catch(function (err) {
        row.querySelectorAll("button").forEach(function (b) { b.disabled = false; b.setAttribute("aria-pressed", "false"); });
        showError(err);
      });
    }
    var yes = tl("button", "ui.widget.yes", null, { type: "button", class: "sb-chip sb-yes", "aria-pressed": "false" });
    var no = tl("button", "ui.widget.no", null, { type: "button", class: "sb-chip sb-no", "aria-pressed": "false" });
    yes.addEventListener("click", function () { vote(true, yes); });
    no.addEventListener("click", function () { vote(false, no); });
    row.appendChild(yes); row.appendChild(no);
    return row;
  }
  function disableQuickReplies() {
    ui.log.querySelectorAll(".sb-quick button").forEach(function (b) { b.disabled = true; });
    updateAgentButton();
  }
  // "Talk to an agent" is offered once: as the bot's quick reply when it shows one, else in the tools row.
  function updateAgentButton() {
    if (!ui.agentBtn) return;
    var status = conversation && conversation.status;
    var chip = ui.log.querySelector(".sb-quick button[data-agent-chip]:not(:disabled)");
    ui.agentBtn.hidden = status !== "bot" || !!chip;
  }

  function addMessage(m) {
    if (!m || m.seq == null || bySeq[m.seq]) return;
    if (m.sender === "user") {
      var pending = ui.log.querySelector(".sb-pending");
      if (pending) pending.remove();
      disableQuickReplies();
    }
    var li = renderMessage(m);
    bySeq[m.seq] = { msg: m, li: li };
    lastSeq = Math.max(lastSeq, m.seq);
    // keep seq order; pending and typing rows stay last
    var after = null;
    var rows = ui.log.children;
    for (var i = 0; i < rows.length; i++) {
      var s = rows[i].getAttribute("data-seq");
      if (s === null || +s > m.seq) { after = rows[i]; break; }
    }
    ui.log.insertBefore(li, after);
    updateAgentButton();
    if (!isOpen && m.sender !== "user" && m.seq > (session && session.seen || 0)) { unread++; updateBadge(); }
    if (session && isOpen) { session.seen = Math.max(session.seen || 0, m.seq); saveSession(); }
    scrollDown();
  }
  function scrollDown() {
    if (!ui.log) return;
    requestAnimationFrame(function () { ui.log.scrollTop = ui.log.scrollHeight; });
  }
  var rateLimitText = "";             // the server's localised rate-limit message, for local refusals
  function showError(err, text) {
    if (err && err.retryAfter) sendBlockedUntil = Date.now() + err.retryAfter * 1000;
    if (err && err.code === "rate_limited" && err.message) rateLimitText = err.message;
    var localized = err && err.message && /^(invalid_contact|message_too_long|rate_limited)$/.test(err.code || "");
    ui.alert.textContent = text || (localized ? err.message : t("ui.widget.error_generic"));
    ui.alert.hidden = false;
    clearTimeout(showError.timer);
    showError.timer = setTimeout(function () { ui.alert.hidden = true; }, err && err.retryAfter ? err.retryAfter * 1000 : 8000);
    if (window.console && err) console.warn("supportbot:", err.code || "", err.message || err);
  }

  // ---------------------------------------------------------------- sending
  function submit() {
    var text = ui.input.value.trim();
    if (!text) return;
    if (Date.now() < sendBlockedUntil) {
      // Still inside the server's Retry-After: say the same thing the server said, not a generic error.
      var wait = Math.ceil((sendBlockedUntil - Date.now()) / 1000);
      showError({ code: "rate_limited", message: rateLimitText, retryAfter: wait }, rateLimitText || null);
      return;
    }
    ui.input.value = ""; autosize();
    send(text);
  }
  function typing(on) {
    var node = ui.log.querySelector(".sb-typing");
    if (on && !node) { ui.log.appendChild(el("li", { class: "sb-typing", "aria-hidden": "true" }, [el("span"), el("span"), el("span")])); scrollDown(); }
    if (!on && node) node.remove();
  }
  // One key per message, reused by its retries: the server stores a retried message once.
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    return Array.prototype.map.call(b, function (x, i) {
      return ([4, 6, 8, 10].indexOf(i) >= 0 ? "-" : "") + (x + 256).toString(16).slice(1);
    }).join("");
  }
  function send(text, retried, key) {
    key = key || newKey();
    var pending = el("li", { class: "sb-msg sb-user sb-pending" }, [
      tl("span", "ui.widget.you", null, { class: "sb-who" }), el("div", { class: "sb-bubble", dir: "auto", text: text })
    ]);
    ui.log.appendChild(pending);
    typing(true);
    ui.alert.hidden = true;
    return ensureConversation().then(function () {
      if (!session) throw new ApiError(0, "no_session", "no conversation");
      return api("POST", path("/messages"), { text: text }, true, { "Idempotency-Key": key });
    }).then(function (data) {
      pending.remove();
      typing(false);
      ui.alert.hidden = true;
      absorb(data);
    }).catch(function (err) {
      pending.remove();
      typing(false);
      if (!retried && (isBadToken(err) || (err instanceof ApiError && err.status === 409))) {
        forget();
        return send(text, true);  // a new conversation: a new key
      }
      if (!retried && !(err instanceof ApiError)) {
        // The response was lost (network, not an HTTP error): retry once with the same key, so a
        // message the server did store is not stored twice.
        return new Promise(function (ok) { setTimeout(ok, 1000); }).then(function () { return send(text, true, key); });
      }
      if (!ui.input.value) { ui.input.value = text; autosize(); }
      showError(err);
    });
  }
  function requestAgent() {
    ui.agentBtn.disabled = true;
    typing(true);
    return ensureConversation().then(function () {
      return api("POST", path("/handoff"), {});
    }).then(function (data) {
      typing(false);
      absorb(data);
    }).catch(function (err) { typing(false); showError(err); })
      .then(function () { ui.agentBtn.disabled = false; });
  }

  // ---------------------------------------------------------------- live events (SSE over fetch)
  // The reader and the reconnect back-off are SupportBotStream's (sse.js, served ahead of this file).
  function setConnected(on) {
    stream.connected = on;
    ui.conn.hidden = on;
  }
  function stopStream() {
    if (stream.live) stream.live.stop();
    stream.live = null;
    ui.conn.hidden = true;
  }
  function connectStream() {
    if (stream.live || !session) return;
    var mine = session;
    stream.live = window.SupportBotStream.connect({
      request: function () {
        var headers = { Authorization: "Bearer " + mine.token };
        if (lastSeq) headers["Last-Event-ID"] = String(lastSeq);
        return { url: API + path("/events?after=" + lastSeq), headers: headers };
      },
      fetch: { credentials: "omit" },
      onOpen: function (res) {
        if (session !== mine) return "stop";
        if (res.status === 401 || res.status === 403 || res.status === 404) {
          stream.live = null;
          forget();
          if (isOpen) ensureConversation();
          return "stop";
        }
      },
      onLive: function (on) { if (session === mine) setConnected(on); },
      onEvent: onEvent
    });
  }
  function onEvent(name, data) {
    if (!data) return;
    if (name === "message") addMessage(data);
    else if (name === "conversation") applyConversation(data);
  }

  // ---------------------------------------------------------------- boot
  function boot() {
    build();
    document.body.appendChild(host);
    setLanguage(uiLang).then(function () {
      if (session) ensureConversation();
      var wasOpen = false;
      try { wasOpen = sessionStorage.getItem(OPEN_KEY) === "1"; } catch (e) { /* ignore */ }
      if (wasOpen) open();
    });
  }
  window.SupportBot = {
    version: "1",
    open: function () { open(); },
    close: function () { close(false); },
    ask: function (text) { open(); if (text && String(text).trim()) send(String(text).trim()); },
    reset: function () { return newConversation(); }
  };
  if (document.body) boot(); else document.addEventListener("DOMContentLoaded", boot);
})();
