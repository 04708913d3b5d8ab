/* supportbot agent console. No framework; every string from GET /api/v1/i18n/{lang} (English in
 * FALLBACK only when that fails). The agent key is kept in sessionStorage for this tab only.
 * Message text is only ever set with textContent; the server's sanitised HTML of bot and agent texts
 * (web/richtext.py) is parsed inert and rebuilt through an allow-list (richText), like the widget. */
(function () {
  "use strict";

  var KEY_STORE = "supportbot:agent-key";
  var LANG_STORE = "supportbot:console-lang";
  var LANGS = ["en", "zh", "ja", "ko", "ru", "es", "pt", "ar"];
  // Language names in their own language (what a language picker shows in every UI language).
  var AUTONYMS = { en: "English", zh: "中文", ja: "日本語", ko: "한국어", ru: "Русский", es: "Español", pt: "Português", ar: "العربية" };
  var FALLBACK = {
    "ui.console.title": "Agent console", "ui.console.login_title": "Agent sign-in", "ui.console.api_key_label": "Agent API key",
    "ui.console.login": "Sign in", "ui.console.logout": "Sign out", "ui.console.queue": "Queue", "ui.console.mine": "My chats",
    "ui.console.empty_queue": "No one is waiting.", "ui.console.claim": "Claim", "ui.console.claim_next": "Claim next",
    "ui.console.release": "Return to queue", "ui.console.resolve": "Resolve",
    "ui.console.resolve_return_to_bot": "Resolve and return to bot", "ui.console.reply_placeholder": "Write a reply…",
    "ui.console.send": "Send", "ui.console.transcript": "Transcript", "ui.console.bot_context": "Bot context",
    "ui.console.articles_considered": "Articles considered", "ui.console.handoff_reason": "Handoff reason",
    "ui.console.language": "Language", "ui.console.priority": "Priority", "ui.console.waited": "Waited",
    "ui.console.sla_breached": "SLA breached", "ui.console.status": "Status", "ui.console.user": "User",
    "ui.console.contact": "Contact", "ui.console.no_conversation_selected": "Select a conversation from the queue.",
    "ui.console.claimed_by_other": "Another agent has already claimed this conversation.",
    "ui.console.over_capacity": "You've reached your limit of open chats. Resolve or release one first.",
    "ui.console.error_generic": "Something went wrong. Please try again.", "ui.console.live": "Live", "ui.console.offline": "Offline",
    "ui.widget.assistant": "Virtual assistant", "ui.widget.agent": "Agent", "ui.widget.system": "System",
    "ui.widget.confidence": "Confidence", "ui.widget.source": "Source",
    "priority.urgent": "Urgent", "priority.high": "High", "priority.normal": "Normal",
    "reason.security": "Security issue", "reason.user_request": "User asked for an agent", "reason.low_confidence": "Bot not confident",
    "reason.secret_shared": "User shared a secret", "reason.escalate_article": "Topic needs an agent"
  };

  var $ = function (id) { return document.getElementById(id); };
  var texts = Object.assign({}, FALLBACK);
  var lang = "en";
  var key = null;
  var me = null;
  var queue = { waiting: [], mine: [], agents_online: null };
  var queueAt = Date.now();
  var current = null;          // {id, data, fetchedAt}
  var stream = { live: null, connected: false };
  var refreshTimer = null;

  // ------------------------------------------------------------ helpers
  function baseLang(code) { return String(code || "en").trim().toLowerCase().replace("_", "-").split("-")[0]; }
  function t(k) { return texts[k] != null ? texts[k] : (FALLBACK[k] != null ? FALLBACK[k] : k); }
  function tOpt(k, fallback) { return texts[k] != null ? texts[k] : (FALLBACK[k] != null ? FALLBACK[k] : fallback); }
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
    (children || []).forEach(function (c) { if (c != null) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  function duration(s) {
    s = Math.max(0, Math.floor(s));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    return h ? h + ":" + two(m) + ":" + two(sec) : m + ":" + two(sec);
  }
  function clock(iso) {
    var d = iso ? new Date(iso) : null;
    if (!d || isNaN(d)) return "";
    try { return new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", second: "2-digit" }).format(d); }
    catch (e) { return d.toTimeString().slice(0, 8); }
  }
  function percent(p) {
    try { return new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 0 }).format(p); }
    catch (e) { return Math.round(p * 100) + "%"; }
  }
  function languageName(code) {
    var b = baseLang(code);
    return texts["lang." + b] || AUTONYMS[b] || code;
  }

  function ApiError(status, code, message) { this.status = status; this.code = code; this.message = message; }
  function api(method, path, body) {
    var headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (key) headers.Authorization = "Bearer " + key;
    return fetch(path, { method: method, headers: headers, cache: "no-store", body: body === undefined ? undefined : JSON.stringify(body) })
      .then(function (res) {
        return res.text().then(function (raw) {
          var data = null;
          try { data = raw ? JSON.parse(raw) : null; } catch (e) { data = null; }
          if (!res.ok) {
            var err = (data && data.error) || {};
            throw new ApiError(res.status, err.code || "http_" + res.status, err.message || res.statusText);
          }
          return data;
        });
      });
  }
  function toast(text) {
    var box = $("toast");
    box.textContent = text;
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { box.hidden = true; }, 6000);
  }
  function explain(err) {
    if (window.console && err) console.warn("console:", err.code || "", err.message || err);
    if (!(err instanceof ApiError)) return toast(t("ui.console.error_generic"));
    if (err.status === 401) { logout(); return; }
    var code = String(err.code || "");
    if (code === "over_capacity") return toast(t("ui.console.over_capacity"));
    if (code === "queue_empty") return toast(t("ui.console.empty_queue"));
    if (code === "already_claimed" || code === "not_in_queue" || code === "not_your_conversation") {
      return toast(t("ui.console.claimed_by_other"));
    }
    toast(t("ui.console.error_generic"));
  }

  // ------------------------------------------------------------ i18n
  function loadLanguage(code) {
    code = LANGS.indexOf(baseLang(code)) >= 0 ? baseLang(code) : "en";
    return fetch("/api/v1/i18n/" + code, { cache: "no-store" })
      .then(function (res) { if (!res.ok) throw new Error("i18n " + res.status); return res.json(); })
      .then(function (d) { texts = Object.assign({}, FALLBACK, d.texts || {}); lang = d.lang || code; applyDir(d.dir || (code === "ar" ? "rtl" : "ltr")); })
      .catch(function () { texts = Object.assign({}, FALLBACK); lang = code; applyDir(code === "ar" ? "rtl" : "ltr"); })
      .then(function () {
        try { localStorage.setItem(LANG_STORE, lang); } catch (e) { /* ignore */ }
        $("lang-select").value = baseLang(lang);
        relabel();
      });
  }
  function applyDir(dir) {
    document.documentElement.setAttribute("dir", dir);
    document.documentElement.setAttribute("lang", lang);
  }
  function relabel() {
    document.querySelectorAll("[data-i18n]").forEach(function (node) { node.textContent = t(node.getAttribute("data-i18n")); });
    document.querySelectorAll("[data-i18n-placeholder]").forEach(function (node) {
      node.setAttribute("placeholder", t(node.getAttribute("data-i18n-placeholder")));
    });
    setLive(stream.connected);
    renderQueue();
    if (current && current.data) renderConversation();
  }

  // ------------------------------------------------------------ sign-in
  function login(candidate) {
    key = candidate;
    return api("GET", "/api/v1/agent/me").then(function (data) {
      me = data.agent || data;
      try { sessionStorage.setItem(KEY_STORE, key); } catch (e) { /* ignore */ }
      $("login").hidden = true;
      $("workspace").hidden = false;
      $("logout").hidden = false;
      $("agent-name").hidden = false;
      $("agent-name").textContent = me.name || "";
      refreshQueue();
      connectStream();
    }).catch(function (err) {
      key = null;
      try { sessionStorage.removeItem(KEY_STORE); } catch (e) { /* ignore */ }
      showLogin(err);
    });
  }
  function showLogin(err) {
    $("workspace").hidden = true;
    $("logout").hidden = true;
    $("agent-name").hidden = true;
    $("live").hidden = true;
    $("login").hidden = false;
    var box = $("login-error");
    box.hidden = !err;
    box.textContent = err ? t("ui.console.error_generic") : "";
    $("api-key").focus();
  }
  function logout() {
    stopStream();
    key = null; me = null; current = null;
    try { sessionStorage.removeItem(KEY_STORE); } catch (e) { /* ignore */ }
    $("api-key").value = "";
    $("conv").hidden = true;
    $("no-selection").hidden = false;
    showLogin(null);
  }

  // ------------------------------------------------------------ queue
  function refreshQueue() {
    if (!key) return Promise.resolve();
    return api("GET", "/api/v1/agent/queue").then(function (data) {
      queue = { waiting: data.waiting || [], mine: data.mine || [], agents_online: data.agents_online };
      queueAt = Date.now();
      renderQueue();
    }).catch(explain);
  }
  function priorityBadge(p) {
    p = p || "normal";
    return el("span", { class: "badge prio prio-" + p, "data-priority": p, text: tOpt("priority." + p, p) });
  }
  function reasonText(r) { return r ? tOpt("reason." + r, r) : ""; }
  function waitedNow(item) { return (item.waited_s || 0) + (Date.now() - queueAt) / 1000; }
  function isBreached(item) {
    return !!item.sla_breached || (item.sla_target_s != null && item.status === "waiting" && waitedNow(item) > item.sla_target_s);
  }
  function queueItem(item, mine) {
    var id = item.conversation_id;
    var li = el("li", { class: "conv-item" + (current && current.id === id ? " selected" : "") + (isBreached(item) ? " breached" : ""),
      "data-conversation": id, "data-priority": item.priority || "normal" });
    var open = el("button", { type: "button", class: "conv-open", "aria-current": current && current.id === id ? "true" : null,
      onclick: function () { openConversation(id); } });
    var top = el("span", { class: "row" }, [
      priorityBadge(item.priority),
      el("span", { class: "badge lang", title: languageName(item.language), text: String(item.language || "").toUpperCase() }),
      item.position ? el("span", { class: "pos", text: "#" + item.position }) : null,
      el("span", { class: "spacer" }),
      el("span", { class: "waited", title: t("ui.console.waited") }, [
        el("span", { class: "vh", text: t("ui.console.waited") + " " }),
        el("span", { "data-waited": "", "data-base": String(item.waited_s || 0), text: duration(waitedNow(item)) })
      ])
    ]);
    open.appendChild(top);
    if (item.reason) open.appendChild(el("span", { class: "reason", text: reasonText(item.reason) }));
    if (isBreached(item)) open.appendChild(el("span", { class: "badge sla", "data-sla": "", text: t("ui.console.sla_breached") }));
    if (item.preview) open.appendChild(el("span", { class: "preview", dir: "auto", text: item.preview }));
    li.appendChild(open);
    if (!mine && item.status === "waiting") {
      li.appendChild(el("button", { type: "button", class: "btn small claim", text: t("ui.console.claim"),
        onclick: function () { claim(id); } }));
    }
    return li;
  }
  function renderQueue() {
    if (!$("queue-list")) return;
    var waiting = queue.waiting.slice();
    $("queue-list").replaceChildren.apply($("queue-list"), waiting.map(function (i) { return queueItem(i, false); }));
    $("mine-list").replaceChildren.apply($("mine-list"), queue.mine.map(function (i) { return queueItem(i, true); }));
    $("queue-empty").hidden = waiting.length > 0;
    $("queue-count").textContent = waiting.length ? "(" + waiting.length + ")" : "";
    $("mine-count").textContent = queue.mine.length ? "(" + queue.mine.length + ")" : "";
    $("claim-next").disabled = waiting.length === 0;
  }
  function tick() {
    document.querySelectorAll("[data-waited]").forEach(function (node) {
      node.textContent = duration(+node.getAttribute("data-base") + (Date.now() - queueAt) / 1000);
    });
    document.querySelectorAll(".conv-item").forEach(function (li) {
      var id = li.getAttribute("data-conversation");
      var item = queue.waiting.concat(queue.mine).filter(function (i) { return i.conversation_id === id; })[0];
      if (item && isBreached(item) && !li.classList.contains("breached")) renderQueue();
    });
  }

  // ------------------------------------------------------------ actions
  function showClaimed(data) {
    var id = data.conversation.id;
    current = { id: id, data: data.transcript, fetchedAt: Date.now() };
    renderConversation(true);
    $("reply").focus();
    return refreshQueue().then(function () { if (current && current.id === id) renderConversation(false); });
  }
  function claim(id) {
    return api("POST", "/api/v1/agent/conversations/" + encodeURIComponent(id) + "/claim", {})
      .then(showClaimed)
      .catch(function (err) { explain(err); refreshQueue(); });
  }
  function claimNext() {
    return api("POST", "/api/v1/agent/claim-next", {})
      .then(showClaimed)
      .catch(function (err) { explain(err); refreshQueue(); });
  }
  function act(action, body) {
    if (!current) return Promise.resolve();
    var id = current.id;
    return api("POST", "/api/v1/agent/conversations/" + encodeURIComponent(id) + "/" + action, body || {})
      .then(function () { return Promise.all([refreshQueue(), openConversation(id)]); })
      .catch(function (err) { explain(err); });
  }
  function sendReply() {
    var box = $("reply");
    var text = box.value.trim();
    if (!text || !current) return;
    var btn = $("reply-form").querySelector("button");
    btn.disabled = true;
    return api("POST", "/api/v1/agent/conversations/" + encodeURIComponent(current.id) + "/messages", { text: text })
      .then(function (data) {
        box.value = "";
        var m = data && (data.message || data);
        if (m && m.seq != null && current && current.data) {
          addMessages([m]);
        }
        return openConversation(current.id);
      })
      .catch(explain)
      .then(function () { btn.disabled = false; box.focus(); });
  }

  // ------------------------------------------------------------ conversation
  function openConversation(id, quiet) {
    var same = !!(current && current.id === id && current.data);
    if (!current || current.id !== id) current = { id: id, data: null };
    return api("GET", "/api/v1/agent/conversations/" + encodeURIComponent(id)).then(function (data) {
      if (!current || current.id !== id) return;
      current.data = data;
      current.fetchedAt = Date.now();
      renderConversation(!same);
      renderQueue();
    }).catch(function (err) {
      if (err instanceof ApiError && (err.status === 403 || err.status === 404) && current && current.id === id) {
        current = null; // no longer ours to read (another agent took it)
        $("conv").hidden = true;
        $("no-selection").hidden = false;
        renderQueue();
      }
      if (!quiet) explain(err);
    });
  }
  function convInfo(d) {
    var c = d.conversation || {};
    var handoffs = d.handoffs || [];
    var last = handoffs.length ? handoffs[handoffs.length - 1] : null;
    var active = last && (last.status === "waiting" || last.status === "claimed") ? last : null;
    var ctx = d.context || (last && last.context) || {};
    var user = d.user || {};
    var q = queue.waiting.concat(queue.mine).filter(function (i) { return i.conversation_id === c.id; })[0] || {};
    return {
      id: c.id || current.id,
      status: c.status,
      language: c.language,
      priority: (active && active.priority) || c.priority || (last && last.priority),
      reason: (last && last.reason) || q.reason || ctx.why,
      claimedBy: active ? active.claimed_by : null,
      agentName: c.agent_name || null,
      contact: user.contact || c.contact,
      user: [user.name, user.email, user.id].filter(Boolean).join(" · "),
      waited: q.waited_s,
      slaBreached: q.conversation_id ? isBreached(q) : false,
      context: ctx,
      messages: d.messages || []
    };
  }
  function statusText(info) {
    if (info.status === "waiting") return t("ui.console.queue");
    if (info.status === "with_agent") return info.agentName || t("ui.widget.agent");
    if (info.status === "bot") return t("ui.widget.assistant");
    if (info.status === "resolved") return "✓";
    return info.status || "";
  }
  function fact(label, value, attrs) {
    return [el("dt", { text: label }), el("dd", attrs || null, [value])];
  }
  function renderConversation(fresh) {
    var info = convInfo(current.data);
    $("no-selection").hidden = true;
    $("conv").hidden = false;
    $("conv").setAttribute("data-conversation", info.id);
    $("conv").setAttribute("data-status", info.status || "");

    var badges = [priorityBadge(info.priority),
      el("span", { class: "badge status status-" + (info.status || ""), title: t("ui.console.status"), "data-status": info.status || "",
        text: statusText(info) }),
      el("span", { class: "badge lang", title: t("ui.console.language"), text: languageName(info.language) })];
    if (info.waited != null && info.status === "waiting") {
      badges.push(el("span", { class: "badge plain", title: t("ui.console.waited") }, [
        t("ui.console.waited") + " ", el("span", { "data-waited": "", "data-base": String(info.waited), text: duration(info.waited) })]));
    }
    if (info.slaBreached) badges.push(el("span", { class: "badge sla", text: t("ui.console.sla_breached") }));
    $("conv-badges").replaceChildren.apply($("conv-badges"), badges);

    var mineNow = info.status === "with_agent" && !!me && info.claimedBy === me.id;
    $("btn-claim").hidden = info.status !== "waiting";
    $("btn-release").hidden = !mineNow;
    $("btn-resolve").hidden = !mineNow;
    $("btn-resolve-bot").hidden = !mineNow;
    $("reply").disabled = !mineNow;
    $("reply-form").querySelector("button").disabled = !mineNow;

    renderMessages(info.messages, fresh);
    renderContext(info);
  }
  function senderName(m) {
    if (m.sender === "user") return t("ui.console.user");
    if (m.sender === "bot") return t("ui.widget.assistant");
    if (m.sender === "agent") return m.author ? m.author + " · " + t("ui.widget.agent") : t("ui.widget.agent");
    return t("ui.widget.system");
  }
  function messageRow(m) {
    var meta = m.meta || {};
    var action = m.action || meta.action;
    var conf = m.confidence != null ? m.confidence : meta.confidence;
    var li = el("li", { class: "msg from-" + m.sender + (action === "warning" ? " warning" : ""), "data-seq": String(m.seq), "data-sender": m.sender });
    li.appendChild(el("div", { class: "msg-head" }, [
      el("span", { class: "who", text: senderName(m) }),
      typeof conf === "number" ? el("span", { class: "tag", text: t("ui.widget.confidence") + " " + percent(conf) }) : null,
      el("time", { datetime: m.created_at || null, text: clock(m.created_at) })
    ]));
    var body = el("div", { class: "msg-text", dir: "auto", lang: m.language || null });
    if (m.sender !== "user" && m.html) { body.classList.add("rich"); body.appendChild(richText(m.html)); }
    else body.appendChild(plainText(m.text));
    li.appendChild(body);
    var sources = m.sources || meta.sources || [];
    if (sources.length && action === "answer") {
      var links = [];
      sources.forEach(function (s, i) {
        if (i) links.push(", ");
        var href = s.url ? safeHref(s.url) : null;
        links.push(el(href ? "a" : "span", { dir: "auto", href: href, target: href ? "_blank" : null, rel: href ? "noopener" : null, text: s.title || s.slug }));
      });
      li.appendChild(el("div", { class: "msg-src" }, [t("ui.widget.source") + ": "].concat(links)));
    }
    return li;
  }
  // The allow-list copier and the redaction labels are SupportBotRich's (richtext.js, loaded first).
  var Rich = window.SupportBotRich;
  function redactedLabel(kind) { return tOpt("ui.redacted." + kind, null); }
  function safeHref(href) { return Rich.safeHref(href, location.href); }
  function richText(html) { return Rich.richText(html, { base: location.href, label: redactedLabel }); }
  function plainText(text) { return Rich.plainText(text, { label: redactedLabel }); }
  function renderMessages(list, fresh) {
    var box = $("messages");
    var atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    var seen = {};
    box.querySelectorAll("[data-seq]").forEach(function (n) { seen[n.getAttribute("data-seq")] = n; });
    if (fresh) { box.replaceChildren(); seen = {}; }
    addMessages(list, seen);
    if (fresh || atBottom) box.scrollTop = box.scrollHeight;
  }
  function addMessages(list, seen) {
    var box = $("messages");
    if (!seen) { seen = {}; box.querySelectorAll("[data-seq]").forEach(function (n) { seen[n.getAttribute("data-seq")] = n; }); }
    list.slice().sort(function (a, b) { return a.seq - b.seq; }).forEach(function (m) {
      if (seen[String(m.seq)]) return;
      var row = messageRow(m);
      var after = null;
      for (var i = 0; i < box.children.length; i++) {
        if (+box.children[i].getAttribute("data-seq") > m.seq) { after = box.children[i]; break; }
      }
      box.insertBefore(row, after);
      seen[String(m.seq)] = row;
    });
    box.scrollTop = box.scrollHeight;
  }
  function renderContext(info) {
    var ctx = info.context || {};
    var rows = [];
    var why = ctx.why || info.reason;
    if (why) {
      var whyNode = el("span", null, [reasonText(why), ctx.security_case ? el("code", { class: "case", text: ctx.security_case }) : null]);
      rows = rows.concat(fact(t("ui.console.handoff_reason"), whyNode, { "data-reason": why }));
    }
    rows = rows.concat(fact(t("ui.console.language"), languageName(ctx.answer_language || ctx.language || info.language) +
      (ctx.language && ctx.answer_language && ctx.language !== ctx.answer_language ? " (" + ctx.language + ")" : "")));
    if (info.priority) rows = rows.concat(fact(t("ui.console.priority"), priorityBadge(info.priority)));
    if (typeof ctx.confidence === "number") rows = rows.concat(fact(t("ui.widget.confidence"), percent(ctx.confidence)));
    if (info.user) rows = rows.concat(fact(t("ui.console.user"), info.user));
    if (info.contact) rows = rows.concat(fact(t("ui.console.contact"), info.contact, { dir: "ltr" }));
    if (ctx.redacted_secrets && ctx.redacted_secrets.length) rows = rows.concat(fact(tOpt("reason.secret_shared", "secret"), ctx.redacted_secrets.join(", ")));
    $("context-facts").replaceChildren.apply($("context-facts"), rows);
    var arts = (ctx.articles || []).map(function (a) {
      return el("li", { class: "article" }, [
        el("span", { class: "art-title", dir: "auto", text: a.title || a.slug }),
        el("span", { class: "art-meta" }, [
          el("code", { text: a.slug + (a.lang ? " · " + a.lang : "") }),
          typeof a.score === "number" ? el("span", { class: "score" }, [
            el("meter", { min: "0", max: "1", value: String(Math.max(0, a.score)) }), " " + a.score.toFixed(3)]) : null
        ])
      ]);
    });
    $("articles").replaceChildren.apply($("articles"), arts);
    $("articles").setAttribute("data-empty", arts.length ? "false" : "true");
  }

  // ------------------------------------------------------------ live updates
  function setLive(on) {
    stream.connected = !!on;
    var node = $("live");
    if (!key) { node.hidden = true; return; }
    node.hidden = false;
    node.className = "live " + (on ? "on" : "off");
    node.textContent = on ? t("ui.console.live") : t("ui.console.offline");
  }
  function stopStream() {
    if (stream.live) stream.live.stop();
    stream.live = null;
  }
  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(function () {
      refreshQueue();
      if (current) openConversation(current.id, true);
    }, 150);
  }
  function onEvent(name, data) {
    if (name === "queue" && data && Array.isArray(data.waiting)) {
      queue = { waiting: data.waiting, mine: data.mine || [], agents_online: data.agents_online };
      queueAt = Date.now();
      renderQueue();
      if (current) openConversation(current.id, true);
      return;
    }
    if (name === "message" && data && current && data.conversation_id === current.id && data.message) {
      addMessages([data.message]);
    }
    scheduleRefresh();
  }
  // The reader and the reconnect back-off are SupportBotStream's (sse.js, loaded before this file).
  function connectStream() {
    if (stream.live || !key) return;
    var myKey = key;
    stream.live = window.SupportBotStream.connect({
      request: function () { return { url: "/api/v1/agent/events", headers: { Authorization: "Bearer " + myKey } }; },
      onOpen: function (res) {
        if (key !== myKey) return "stop";
        if (res.status === 401) { stream.live = null; logout(); return "stop"; }
      },
      onLive: function (on) {
        if (key !== myKey) return;
        setLive(on);
        if (on) scheduleRefresh(); // catch up on anything missed while disconnected
      },
      onEvent: onEvent
    });
  }

  // ------------------------------------------------------------ boot
  function boot() {
    var select = $("lang-select");
    LANGS.forEach(function (code) { select.appendChild(el("option", { value: code, lang: code, text: AUTONYMS[code] })); });
    select.addEventListener("change", function () { loadLanguage(select.value); });
    $("login-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var value = $("api-key").value.trim();
      if (value) login(value);
    });
    $("logout").addEventListener("click", logout);
    $("claim-next").addEventListener("click", claimNext);
    $("btn-claim").addEventListener("click", function () { if (current) claim(current.id); });
    $("btn-release").addEventListener("click", function () { act("release"); });
    $("btn-resolve").addEventListener("click", function () { act("resolve", { return_to_bot: false }); });
    $("btn-resolve-bot").addEventListener("click", function () { act("resolve", { return_to_bot: true }); });
    $("reply-form").addEventListener("submit", function (e) { e.preventDefault(); sendReply(); });
    $("reply").addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) { e.preventDefault(); sendReply(); }
    });
    setInterval(tick, 1000);
    setInterval(function () { if (key && !stream.connected) refreshQueue(); }, 15000);
    // The agent stream pushes queue changes (a new user message changes the preview); this also
    // catches a message that repeats the previous one word for word.
    setInterval(function () { if (key && current && !document.hidden) openConversation(current.id, true); }, 5000);

    var saved = null;
    try { saved = localStorage.getItem(LANG_STORE); } catch (e) { saved = null; }
    loadLanguage(saved || navigator.language || "en").then(function () {
      var stored = null;
      try { stored = sessionStorage.getItem(KEY_STORE); } catch (e) { stored = null; }
      if (stored) login(stored); else showLogin(null);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot); else boot();
})();
