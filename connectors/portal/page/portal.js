/* The portal's language switch and the rasa-webchat widget on Rasa's Socket.IO channel. */
(function () {
  var EN = {
    site: "Beijing Municipal Government", sub: "12345 Citizen Service Hotline",
    nav_home: "Home", nav_news: "News", nav_policy: "Policies", nav_service: "Services",
    nav_12345: "12345 Hotline", nav_data: "Open Data",
    hero: "A problem in the city? Tell 12345",
    hero_text: "Noise, broken street lights, damaged roads, cold radiators... report online and follow your ticket. Open the chat at the bottom right and the assistant files it for you.",
    urgent: "Emergencies: police 110 · fire 119 · ambulance 120/999 · gas 96777",
    howto: "How it works", step1: "Say what the problem is and where", step2: "Leave your name and phone number",
    step3: "Confirm and get a ticket number (e.g. BJ20261128-0042)", step4: "The agency handles it; we tell you as it moves",
    news: "Hotline news", news1: "Heating season report", news2: "Monthly topic: lifts for old residential buildings",
    news3: "12345 now answers online in English", foot: "General Office of the Beijing Municipal Government · demo page"
  };
  var query = new URLSearchParams(location.search).get("lang");
  if (query === "zh" || query === "en") { localStorage.setItem("portal_lang", query); }
  var lang = localStorage.getItem("portal_lang") === "en" ? "en" : "zh";
  document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
  document.getElementById("lang-" + lang).className = "on";
  if (lang === "en") {
    document.title = "Beijing 12345 Citizen Service Hotline";
    document.querySelectorAll("[data-i18n]").forEach(function (el) {
      var text = EN[el.getAttribute("data-i18n")];
      if (text) { el.textContent = text; }
    });
  }
  fetch("/config.json").then(function (r) { return r.json(); }).then(function (cfg) {
    window.WebChat.default({
      selector: "#webchat",
      socketUrl: cfg.socketUrl,
      socketPath: cfg.socketPath,
      customData: { language: lang },
      initPayload: lang === "en" ? "Hello" : "你好",
      title: lang === "en" ? "12345 Online" : "12345 在线反映",
      subtitle: lang === "en" ? "Citizen Service Hotline" : "市民服务热线 · 接诉即办",
      inputTextFieldHint: lang === "en" ? "Describe your problem..." : "请描述您的诉求……",
      params: { storage: "local" },
      showMessageDate: true
    }, null);
  });
})();
