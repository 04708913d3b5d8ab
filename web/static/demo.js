// Demo only: ?locale=xx and ?position=left set the widget's data attributes before it runs.
(function () {
  var params = new URLSearchParams(location.search);
  var tag = document.getElementById("supportbot-widget");
  if (params.get("locale")) tag.setAttribute("data-locale", params.get("locale"));
  if (params.get("position") === "left") tag.setAttribute("data-position", "left");
  var current = (params.get("locale") || "").split("-")[0];
  document.querySelectorAll("#langs a").forEach(function (a) {
    if (a.getAttribute("lang") === current) a.setAttribute("aria-current", "true");
  });
  // Topic cards open the help center in the widget's language.
  var helpLang = /^(en|zh|ja|ko|ru|es|pt|ar)$/.test(current) ? current : "en";
  document.querySelectorAll(".cats a[data-category]").forEach(function (a) {
    a.setAttribute("href", "/help/" + helpLang + "/#category-" + a.getAttribute("data-category"));
  });
  document.getElementById("hc-help-link").setAttribute("href", "/help/" + helpLang + "/");
  function ask(text) { if (window.SupportBot && text) window.SupportBot.ask(text); }
  document.getElementById("hc-search").addEventListener("submit", function (e) {
    e.preventDefault();
    var q = document.getElementById("hc-q");
    ask(q.value.trim());
    q.value = "";
  });
  document.querySelectorAll("#try button").forEach(function (b) {
    b.addEventListener("click", function () { ask(b.textContent); });
  });
})();
