/* supportbot rich text: the one copier of the server's sanitised HTML (web/richtext.py) and the one
 * renderer of redaction tokens, shared by the widget (GET /widget.js serves this file first) and the
 * console (its own <script> tag). HTML is parsed in an inert <template> and copied node by node through
 * an allow-list, so no markup from anywhere can run script. A stored "[redacted: <kind>]" token stays as
 * it is on disk; the reader sees the label of its secret family in their own language
 * (catalog key "ui.redacted.<kind>"), in a span that keeps the token as data-redacted. */
(function (root) {
  "use strict";
  if (root.SupportBotRich) return;

  var RICH_TAGS = { P: 1, BR: 1, STRONG: 1, EM: 1, UL: 1, OL: 1, LI: 1, A: 1, CODE: 1, PRE: 1, BLOCKQUOTE: 1, H2: 1, H3: 1, H4: 1, HR: 1 };
  var TOKEN = /\[redacted: ([a-z_]+)\]/g;

  // Only http(s) and mailto links survive, resolved against base (the widget's API origin).
  function safeHref(href, base) {
    try {
      var u = new URL(href, base || location.href);
      return /^(https?:|mailto:)$/.test(u.protocol) ? u.href : null;
    } catch (e) { return null; }
  }

  // Text with every redaction token replaced by a labelled span; label(kind) gives the reader's text.
  function appendText(to, text, label) {
    var last = 0;
    String(text).replace(TOKEN, function (match, kind, at) {
      var shown = label ? label(kind) : null;
      if (!shown) return match;
      if (at > last) to.appendChild(document.createTextNode(text.slice(last, at)));
      var span = document.createElement("span");
      span.className = "redacted";
      span.setAttribute("data-redacted", kind);
      span.textContent = "[" + shown + "]";
      to.appendChild(span);
      last = at + match.length;
      return match;
    });
    if (last < text.length) to.appendChild(document.createTextNode(text.slice(last)));
    return to;
  }

  function copyRich(from, to, opts) {
    opts = opts || {};
    Array.prototype.forEach.call(from.childNodes, function (n) {
      if (n.nodeType === 3) { appendText(to, n.nodeValue, opts.label); return; }
      if (n.nodeType !== 1) return;
      if (!RICH_TAGS[n.tagName]) { copyRich(n, to, opts); return; }
      var node = document.createElement(n.tagName.toLowerCase());
      if (n.tagName === "A") {
        var href = safeHref(n.getAttribute("href") || "", opts.base);
        if (href) { node.setAttribute("href", href); node.setAttribute("target", "_blank"); node.setAttribute("rel", "noopener noreferrer"); }
      }
      if (n.tagName === "OL" && /^\d{1,4}$/.test(n.getAttribute("start") || "")) node.setAttribute("start", n.getAttribute("start"));
      copyRich(n, node, opts);
      to.appendChild(node);
    });
    return to;
  }

  // A fragment built from sanitised HTML; opts: {base, label}.
  function richText(html, opts) {
    var tpl = document.createElement("template");
    tpl.innerHTML = String(html);
    return copyRich(tpl.content, document.createDocumentFragment(), opts);
  }

  // A fragment of plain text (what a user typed): never markup, tokens labelled.
  function plainText(text, opts) {
    return appendText(document.createDocumentFragment(), String(text || ""), (opts || {}).label);
  }

  root.SupportBotRich = { RICH_TAGS: RICH_TAGS, safeHref: safeHref, copyRich: copyRich, richText: richText, plainText: plainText };
})(window);
