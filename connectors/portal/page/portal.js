/* The portal's language switch and navigation, and the rasa-webchat widget on Rasa's Socket.IO channel,
   made usable by keyboard, screen reader and phone. */
(function () {
  var TEXT = {
    zh: {
      chat_label: "12345 在线反映", open_chat: "打开在线反映对话", close_chat: "关闭对话", send: "发送",
      message: "您的消息", log: "对话记录", nav_label: "栏目导航", connecting: "正在连接在线反映……",
      photo: "发送照片", photo_sending: "正在上传照片……", photo_sent: "照片已发送。",
      photo_failed: "照片未能发送,请稍后再试。", photo_too_big: "抱歉,照片太大了(超过 10 MB),请压缩后再发,或换一张。",
      unreachable: "在线反映暂时无法连接,请稍后再试,或拨打 12345 热线。紧急情况请拨打 110、119、120。"
    },
    en: {
      skip: "Skip to content", site: "Beijing Municipal Government", sub: "12345 Citizen Service Hotline",
      menu: "Menu", nav_label: "Site sections",
      nav_home: "Home", nav_news: "News", nav_policy: "Policies", nav_service: "Services",
      nav_12345: "12345 Hotline", nav_data: "Open Data",
      hero: "A problem in the city? Tell 12345",
      hero_text: "Noise, broken street lights, damaged roads, cold radiators... report online and follow your ticket. Press \"Report online\" below, or the red chat button at the bottom right, and the assistant files it for you.",
      start: "Report online",
      urgent: "Emergencies: police 110 \u00b7 fire 119 \u00b7 ambulance 120/999 \u00b7 gas 96777",
      howto: "How it works", step1: "Say what the problem is and where", step2: "Leave your name and phone number",
      step3: "Confirm and get a ticket number (e.g. BJ20261128-0042)", step4: "The agency handles it; we tell you as it moves",
      news: "Hotline news", news1: "Heating season report", news2: "Monthly topic: lifts for old residential buildings",
      news3: "12345 now answers online in English", foot: "General Office of the Beijing Municipal Government \u00b7 demo page",
      chat_label: "12345 Online", open_chat: "Open the 12345 chat", close_chat: "Close the chat", send: "Send",
      message: "Your message", log: "Conversation", connecting: "Connecting to the chat...",
      photo: "Send a photo", photo_sending: "Uploading the photo...", photo_sent: "Photo sent.",
      photo_failed: "The photo could not be sent; please try again later.",
      photo_too_big: "Sorry, that photo is too large (over 10 MB). Please send a smaller one.",
      unreachable: "The chat cannot connect right now. Please try again later or call the 12345 hotline; in an emergency call 110, 119 or 120."
    }
  };
  var root = document.documentElement;
  root.classList.add("js");

  // Language: ?lang= wins and is remembered, so a reload or the next visit keeps it.
  var query = new URLSearchParams(location.search).get("lang");
  if (query === "zh" || query === "en") { try { localStorage.setItem("portal_lang", query); } catch (e) { /* private mode */ } }
  var stored = null;
  try { stored = localStorage.getItem("portal_lang"); } catch (e) { /* private mode */ }
  var lang = (query || stored) === "en" ? "en" : "zh";
  var text = TEXT[lang];
  root.lang = lang === "en" ? "en" : "zh-CN";
  var current = document.getElementById("lang-" + lang);
  current.className = "on";
  current.setAttribute("aria-current", "true");
  if (lang === "en") {
    document.title = "Beijing 12345 Citizen Service Hotline";
    document.querySelectorAll("[data-i18n]").forEach(function (el) {
      var t = text[el.getAttribute("data-i18n")];
      if (t) { el.textContent = t; }
    });
  }
  document.querySelectorAll("[data-i18n-label]").forEach(function (el) {
    el.setAttribute("aria-label", text[el.getAttribute("data-i18n-label")]);
  });

  // On phones the navigation folds behind a menu button (portal.css hides it below 720 px).
  var menu = document.querySelector(".menu-toggle");
  var nav = document.getElementById("site-nav");
  menu.addEventListener("click", function () {
    var open = menu.getAttribute("aria-expanded") !== "true";
    menu.setAttribute("aria-expanded", String(open));
    nav.classList.toggle("open", open);
  });

  // iOS shrinks only the visual viewport for the on-screen keyboard: the full-screen chat follows it.
  function fitViewport() {
    var vv = window.visualViewport;
    if (!vv) { return; }
    root.style.setProperty("--vv-height", vv.height + "px");
    root.style.setProperty("--vv-top", vv.offsetTop + "px");
  }
  if (window.visualViewport) {
    window.visualViewport.addEventListener("resize", fitViewport);
    window.visualViewport.addEventListener("scroll", fitViewport);
    fitViewport();
  }

  var chat = document.getElementById("webchat");
  var start = document.querySelector(".start-chat");
  var button = document.querySelector(".chat-button");
  var status = document.querySelector(".chat-status");
  var pending = false;  // the citizen asked for the chat before the widget was ready: open it when it is
  var giveUp = null;
  var find = function (selector) { return chat.querySelector(selector); };
  var isOpen = function () { return !!find(".rw-widget-container.rw-chat-open"); };
  var visible = function (el) { return !!el && el.getClientRects().length > 0; };
  // What gets the focus once the widget has rendered: "input" after opening, "launcher" after closing.
  var wantFocus = null;

  function set(el, name, value) {
    if (el && el.getAttribute(name) !== value) { el.setAttribute(name, value); }
  }

  // rasa-webchat 1.0.1 renders its buttons without names, its quick replies as divs, its title as an h4 and its
  // messages without a live region, and has no option for any of it. We set them here, each time React renders,
  // rather than serve a patched copy of its minified bundle: this survives an update of the widget and keeps the
  // fix in one readable place. (The server does patch one thing out of the bundle, its font import: server.py.)
  function label() {
    var launcher = find(".rw-launcher");
    set(launcher, "aria-label", isOpen() ? text.close_chat : text.open_chat);
    set(launcher, "aria-expanded", String(isOpen()));
    chat.querySelectorAll(".rw-launcher img, .rw-close-button img").forEach(function (img) { set(img, "alt", ""); });
    set(find(".rw-close-button"), "aria-label", text.close_chat);
    set(find(".rw-close-button"), "type", "button");
    set(find(".rw-send"), "aria-label", text.send);
    set(find(".rw-new-message"), "aria-label", text.message);
    set(find(".rw-new-message"), "lang", root.lang);
    var log = find(".rw-messages-container");
    set(log, "role", "log");
    set(log, "aria-live", "polite");
    set(log, "aria-label", text.log);
    set(log, "tabindex", "0");  // it scrolls: keyboard users must be able to reach and scroll it
    // Its quick replies ("确认提交", "Not urgent, file it") are plain divs: make them buttons for keyboards.
    chat.querySelectorAll(".rw-reply").forEach(function (reply) {
      set(reply, "role", "button");
      set(reply, "tabindex", "0");
    });
    // Our photo button sits in the widget's input row, before its send button (React leaves foreign nodes alone,
    // but a reopened chat is a new row: put it back whenever it is missing).
    var sender = find(".rw-sender");
    if (sender && photoButton.parentNode !== sender) { sender.insertBefore(photoButton, find(".rw-send")); }
    var title = find(".rw-title");
    set(title, "role", "heading");
    set(title, "aria-level", "2");
    // On phones the open chat covers the page: Tab and screen readers stay out of what is behind it.
    var covered = isOpen() && phone.matches;
    behind.forEach(function (el) { if (el.inert !== covered) { el.inert = covered; } });
    // Our button stands in for the widget's until the widget is connected (and again if it loses the server).
    var ready = visible(launcher) || isOpen();
    if (ready && document.activeElement === button) { wantFocus = pending ? "input" : "launcher"; }
    button.hidden = ready;
    if (ready && pending) {
      pending = false;
      clearTimeout(giveUp);
      status.textContent = "";
      button.removeAttribute("aria-busy");
      if (!isOpen()) { launcher.click(); }
    }
    if (wantFocus === "input" && visible(find(".rw-new-message"))) {
      find(".rw-new-message").focus();
      wantFocus = null;
    } else if (wantFocus === "launcher" && visible(launcher)) {
      launcher.focus();
      wantFocus = null;
    }
  }
  // Photos: a real button (keyboard, screen reader) opens the file picker; the file goes to the Rasa server's
  // upload endpoint for this visitor's session, and the conversation answers it like a message.
  var MAX_PHOTO = 10 * 1024 * 1024;
  var socketUrl = null;
  var photoInput = document.createElement("input");
  photoInput.type = "file";
  photoInput.accept = "image/jpeg,image/png,image/webp";
  photoInput.hidden = true;
  photoInput.className = "photo-input";
  photoInput.setAttribute("aria-label", text.photo);
  var photoButton = document.createElement("button");
  photoButton.type = "button";
  photoButton.className = "rw-photo";
  photoButton.setAttribute("aria-label", text.photo);
  photoButton.innerHTML = '<svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false">' +
    '<path d="M9 3 7.2 5H4a2 2 0 0 0-2 2v11a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2h-3.2L15 3H9zm3 5a4.5 4.5 0 1 1 ' +
    '0 9 4.5 4.5 0 0 1 0-9zm0 2a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5z"/></svg>';
  var photoStatus = document.createElement("p");
  photoStatus.className = "photo-status";
  photoStatus.setAttribute("role", "status");
  document.querySelector(".chat").appendChild(photoInput);
  document.querySelector(".chat").appendChild(photoStatus);
  photoButton.addEventListener("click", function () { photoInput.click(); });
  photoInput.addEventListener("change", function () {
    var file = photoInput.files && photoInput.files[0];
    if (!file) { return; }
    photoInput.value = "";
    if (file.size > MAX_PHOTO) { photoStatus.textContent = text.photo_too_big; return; }  // not sent at all
    var session = null;
    try { session = JSON.parse(localStorage.getItem("chat_session") || "{}").session_id; } catch (e) { /* private mode */ }
    var form = new FormData();
    form.append("session_id", session || "");
    form.append("language", lang);
    form.append("photo", file);
    photoStatus.textContent = text.photo_sending;
    photoButton.setAttribute("aria-busy", "true");
    fetch(socketUrl.replace(/\/$/, "") + "/webhooks/socketio/photo", { method: "POST", body: form })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) { photoStatus.textContent = res.ok ? text.photo_sent : (res.body.message || text.photo_failed); })
      .catch(function () { photoStatus.textContent = text.photo_failed; })
      .then(function () { photoButton.removeAttribute("aria-busy"); });
  });

  var phone = window.matchMedia("(max-width: 800px)");  // where the widget opens full screen
  var behind = document.querySelectorAll("body > .skip, body > header, body > main, body > footer");
  phone.addEventListener("change", label);
  new MutationObserver(label).observe(chat, {
    childList: true, subtree: true, attributes: true, attributeFilter: ["class"]
  });

  // Opening by the launcher (mouse, touch, Enter or Space) puts the focus in the input; closing returns it.
  chat.addEventListener("click", function (event) {
    if (event.target.closest(".rw-launcher, .rw-close-button")) {
      wantFocus = isOpen() ? "launcher" : "input";
      setTimeout(label, 0);
    }
  }, true);
  chat.addEventListener("keydown", function (event) {
    if ((event.key === "Enter" || event.key === " ") && event.target.classList.contains("rw-reply")) {
      event.preventDefault();
      event.target.click();
    }
  });
  function requestOpen() {
    var launcher = find(".rw-launcher");
    if (isOpen()) { find(".rw-new-message").focus(); return; }
    if (visible(launcher)) { launcher.click(); return; }
    pending = true;
    button.setAttribute("aria-busy", "true");
    status.textContent = text.connecting;
    clearTimeout(giveUp);
    giveUp = setTimeout(function () { if (pending) { status.textContent = text.unreachable; } }, 20000);
  }
  button.addEventListener("click", requestOpen);
  start.addEventListener("click", requestOpen);
  performance.mark("chat-button-ready");  // bench_portal.py: from here a tap on the chat button is heard
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !isOpen()) { return; }
    var close = visible(find(".rw-close-button")) ? find(".rw-close-button") : find(".rw-launcher");
    if (close) { close.click(); }
  });

  var config = fetch("/config.json").then(function (r) { return r.json(); });
  // webchat.js is deferred: it has run by DOMContentLoaded (and mounts the widget itself after `load`).
  document.addEventListener("DOMContentLoaded", function () {
    config.then(function (cfg) {
      socketUrl = cfg.socketUrl;
      window.WebChat.default({
        socketUrl: cfg.socketUrl,
        socketPath: cfg.socketPath,
        customData: { language: lang },
        initPayload: lang === "en" ? "Hello" : "你好",
        title: text.chat_label,
        subtitle: lang === "en" ? "Citizen Service Hotline" : "市民服务热线 · 接诉即办",
        inputTextFieldHint: lang === "en" ? "Describe your problem..." : "请描述您的诉求……",
        params: { storage: "local" },
        // The time of each message in the page's language (the widget would always write "6:21 AM").
        showMessageDate: function (timestamp) {
          return new Date(timestamp).toLocaleTimeString(root.lang, { hour: "2-digit", minute: "2-digit" });
        }
      }, chat);
    });
  });
})();
