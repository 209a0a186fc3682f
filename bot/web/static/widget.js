/*
 * Stadtlotse web chat widget, version 1. Embed with one tag:
 *   <script src="https://chat.example.de/widget.js" data-server="https://chat.example.de" defer></script>
 * Options (data- attributes of that tag): data-server (backend URL, default: where widget.js comes from),
 * data-lang (start language, default: the browser's first language if we speak it, else the page's
 * <html lang>, else the browser's other languages, else German).
 * Or call window.Stadtlotse.init({server, lang}, element) yourself.
 *
 * No dependencies, no build step, no cookies: the server-issued session id and the transcript stay in
 * sessionStorage (gone when the browser tab closes). Every text comes from the server (gettext catalogs).
 */
(function () {
  "use strict";
  if (window.Stadtlotse) return;

  var STORE = "stadtlotse";
  var MAX_KEPT = 100;
  var URL_PATTERN = /https?:\/\/[^\s<>"]+[^\s<>".,;:!?)»”]/g;

  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (key) {
      var value = attributes[key];
      if (value === null || value === undefined || value === false) return;
      if (key === "text") node.textContent = value;
      else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  /* Text with its web addresses as links that open safely in a new tab. */
  function richText(text) {
    var fragment = document.createDocumentFragment();
    var last = 0;
    text.replace(URL_PATTERN, function (url, offset) {
      fragment.appendChild(document.createTextNode(text.slice(last, offset)));
      fragment.appendChild(el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: url }));
      last = offset + url.length;
      return url;
    });
    fragment.appendChild(document.createTextNode(text.slice(last)));
    return fragment;
  }

  /* A speech bubble, drawn (no emoji font needed), hidden from screen readers. */
  function bubbleIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "stl-launcher-icon");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z");
    path.setAttribute("fill", "currentColor");
    svg.appendChild(path);
    return svg;
  }

  function Widget(options, host) {
    this.server = (options.server || "").replace(/\/$/, "");
    this.requested = options.lang;
    this.host = host;
    this.state = this.load();
  }

  Widget.prototype.load = function () {
    try {
      return JSON.parse(window.sessionStorage.getItem(STORE)) || { messages: [] };
    } catch (error) {
      return { messages: [] };
    }
  };

  Widget.prototype.save = function () {
    this.state.messages = this.state.messages.slice(-MAX_KEPT);
    try { window.sessionStorage.setItem(STORE, JSON.stringify(this.state)); } catch (error) { /* private mode */ }
  };

  Widget.prototype.api = function (path, body) {
    var request = body === undefined
      ? { method: "GET" }
      : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
    request.credentials = "omit";
    return fetch(this.server + path, request).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var error = new Error(data.message || data.error || String(response.status));
          error.status = response.status;
          error.localized = data.message;
          throw error;
        }
        return data;
      });
    });
  };

  /* Pick the language: option, the page's <html lang>, the browser; mapped through the registry's aliases. */
  Widget.prototype.resolve = function (tag) {
    if (!tag) return null;
    tag = String(tag).toLowerCase().replace("_", "-");
    var found = null;
    this.config.languages.forEach(function (language) {
      if (found) return;
      if (language.code === tag || language.aliases.indexOf(tag) >= 0) found = language.code;
    });
    if (!found && tag.indexOf("-") > 0) return this.resolve(tag.split("-")[0]);
    return found;
  };

  Widget.prototype.startLanguage = function () {
    /* the visitor's own first language beats the page's: a German city page, an Arabic phone */
    var browser = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
    var candidates = [this.state.language, this.requested, browser[0], document.documentElement.lang]
      .concat(browser.slice(1));
    for (var i = 0; i < candidates.length; i++) {
      var code = this.resolve(candidates[i]);
      if (code) return code;
    }
    return this.config["default"];
  };

  Widget.prototype.language = function (code) {
    var result = null;
    this.config.languages.forEach(function (language) { if (language.code === code) result = language; });
    return result;
  };

  Widget.prototype.t = function () { return this.config.texts[this.lang]; };

  Widget.prototype.start = function () {
    var self = this;
    return this.api("/api/config").then(function (config) {
      self.config = config;
      self.lang = self.startLanguage();
      self.render();
      if (self.state.open) self.open(false);
    }, function () {
      window.setTimeout(function () { self.start(); }, 15000); // server not there yet: try again quietly
    });
  };

  Widget.prototype.render = function () {
    var self = this;
    var options = this.config.languages.map(function (language) {
      return el("option", { value: language.code, lang: language.code, text: language.name });
    });
    this.launcher = el("button", {
      type: "button", "class": "stl-launcher", "aria-expanded": "false", "aria-controls": "stl-panel",
      onclick: function () { self.toggle(); }
    }, [bubbleIcon(), this.launcherLabel = el("span", { "class": "stl-launcher-label" })]);
    this.title = el("h2", { id: "stl-title", "class": "stl-title" });
    this.closeButton = el("button", { type: "button", "class": "stl-close", onclick: function () { self.close(); } },
      [el("span", { "aria-hidden": "true", text: "×" })]);
    this.languageLabel = el("label", { "for": "stl-language" });
    this.select = el("select", { id: "stl-language", onchange: function () { self.choose(self.select.value); } }, options);
    this.personButton = el("button", { type: "button", "class": "stl-tool", onclick: function () {
      self.send("/human_handoff", self.personButton.textContent);
    } });
    this.deleteButton = el("button", { type: "button", "class": "stl-tool", onclick: function () { self.erase(); } });
    this.log = el("div", { id: "stl-log", "class": "stl-log", role: "log", "aria-live": "polite", tabindex: "0",
                           "aria-labelledby": "stl-title" });
    this.status = el("p", { "class": "stl-status", role: "status" });
    this.inputLabel = el("label", { "for": "stl-input", "class": "stl-sr" });
    this.input = el("input", { id: "stl-input", type: "text", autocomplete: "off", maxlength: "2000" });
    this.sendButton = el("button", { type: "submit", "class": "stl-send" });
    this.form = el("form", { "class": "stl-form", onsubmit: function (event) {
      event.preventDefault();
      self.send(self.input.value);
    } }, [this.inputLabel, this.input, this.sendButton]);
    this.panel = el("section", { id: "stl-panel", "class": "stl-panel", "aria-labelledby": "stl-title", hidden: true,
                                 onkeydown: function (event) { if (event.key === "Escape") self.close(); } }, [
      el("div", { "class": "stl-header" }, [this.title, this.closeButton]),
      el("div", { "class": "stl-toolbar" }, [this.languageLabel, this.select, this.personButton, this.deleteButton]),
      this.log, this.status, this.form
    ]);
    this.root = el("aside", { id: "stadtlotse", "class": "stl" }, [this.panel, this.launcher]);
    this.host.appendChild(this.root);
    this.state.messages.forEach(function (message) { self.show(message); });
    this.applyLanguage();
  };

  /* Labels, lang and dir of the whole widget follow the conversation's language. */
  Widget.prototype.applyLanguage = function () {
    var t = this.t();
    var language = this.language(this.lang);
    this.root.setAttribute("lang", this.lang);
    this.root.setAttribute("aria-label", t.title);
    this.panel.setAttribute("dir", language.dir);
    this.launcher.setAttribute("dir", language.dir);
    this.root.setAttribute("data-dir", language.dir);
    this.launcherLabel.textContent = t.launcher;
    this.title.textContent = t.title;
    this.closeButton.setAttribute("aria-label", t.close);
    this.languageLabel.textContent = t.language;
    this.select.value = this.lang;
    this.personButton.textContent = t.person;
    this.deleteButton.textContent = t["delete"];
    this.inputLabel.textContent = t.input;
    this.input.setAttribute("placeholder", t.placeholder);
    this.sendButton.textContent = t.send;
    this.state.language = this.lang;
    this.save();
  };

  Widget.prototype.toggle = function () {
    if (this.panel.hidden) this.open(true); else this.close();
  };

  Widget.prototype.open = function (byUser) {
    this.panel.hidden = false;
    this.launcher.setAttribute("aria-expanded", "true");
    this.state.open = true;
    if (!this.state.messages.length) this.welcome();
    this.save();
    this.log.scrollTop = this.log.scrollHeight;
    if (byUser) this.input.focus();
  };

  Widget.prototype.close = function () {
    this.panel.hidden = true;
    this.launcher.setAttribute("aria-expanded", "false");
    this.state.open = false;
    this.save();
    this.launcher.focus();
  };

  Widget.prototype.welcome = function () {
    var t = this.t();
    var self = this;
    t.welcome.forEach(function (text, index) {
      self.add({ who: "bot", text: text, lang: self.lang, spoken: index === 0 });
    });
    var privacy = t.privacy_note + (t.privacy_line ? "\n" + t.privacy_line : "");
    this.add({ who: "bot", text: privacy, lang: this.lang, spoken: false });
  };

  Widget.prototype.add = function (message) {
    this.state.messages.push(message);
    this.save();
    return this.show(message);
  };

  Widget.prototype.show = function (message) {
    var self = this;
    var t = this.config.texts[message.lang] || this.t();
    var bubble = el("div", { "class": "stl-msg stl-" + message.who, lang: message.lang, dir: "auto" }, [
      el("span", { "class": "stl-sr", text: (message.who === "user" ? t.you : t.assistant) + " " })
    ]);
    bubble.appendChild(richText(message.text));
    var buttons = (message.buttons || []).filter(function (button) { return !button.step; });
    var steps = (message.buttons || []).filter(function (button) { return button.step; });
    if (buttons.length) {
      bubble.appendChild(el("div", { "class": "stl-choices" }, buttons.map(function (button) {
        return el("button", { type: "button", "class": "stl-choice", lang: message.lang, dir: "auto",
                              text: button.title, onclick: function () { self.send(button.payload, button.title); } });
      })));
    }
    if (steps.length) {  /* the user's plan as a checklist: ticking a step updates this answer in place */
      bubble.appendChild(el("ul", { "class": "stl-checklist" }, steps.map(function (step) {
        var box = el("input", { type: "checkbox", "class": "stl-check" });
        box.checked = !!step.checked;
        box.addEventListener("change", function () { self.tick(step.payload, message, bubble, box); });
        return el("li", {}, [el("label", { lang: message.lang, dir: "auto" }, [box, el("span", { text: step.title })])]);
      })));
    }
    if (message.who === "bot" && message.spoken !== false) {
      var tools = [el("button", { type: "button", "class": "stl-extra stl-read", lang: this.lang, dir: "auto",
                                  text: this.t().read, onclick: function () { self.readAloud(message, bubble); } })];
      if (message.question) {  /* the same answer in German, to show at the counter */
        tools.push(el("button", { type: "button", "class": "stl-extra stl-german", lang: this.lang, dir: "auto",
                                  text: this.t().german, onclick: function () {
                                    self.send(message.question, self.t().german, "de");
                                  } }));
      }
      bubble.appendChild(el("div", { "class": "stl-tools" }, tools));
    }
    this.log.appendChild(bubble);
    this.log.scrollTop = this.log.scrollHeight;
    return bubble;
  };

  /* Read an answer aloud: speech made on the server (espeak-ng), played here. */
  Widget.prototype.readAloud = function (message, bubble) {
    var self = this;
    this.session().then(function (session) {
      return fetch(self.server + "/api/speech", {
        method: "POST", credentials: "omit", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ session: session, text: message.text, language: message.lang })
      });
    }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.blob();
    }).then(function (blob) {
      var audio = bubble.querySelector("audio") || el("audio", { "class": "stl-audio", controls: true });
      audio.src = URL.createObjectURL(blob);
      bubble.appendChild(audio);
      var playing = audio.play();
      if (playing && playing["catch"]) playing["catch"](function () { /* autoplay refused: controls stay */ });
    })["catch"](function () {
      self.status.textContent = self.t().unavailable;
    });
  };

  Widget.prototype.session = function (renew) {
    var self = this;
    if (this.state.session && !renew) return Promise.resolve(this.state.session);
    return this.api("/api/session", {}).then(function (data) {
      self.state.session = data.session;
      self.save();
      return data.session;
    });
  };

  Widget.prototype.busy = function (on) {
    this.log.setAttribute("aria-busy", on ? "true" : "false");
    this.sendButton.disabled = on;
    if (on) {
      this.typing = el("div", { "class": "stl-msg stl-bot stl-typing", "aria-hidden": "true", text: this.t().typing });
      this.log.appendChild(this.typing);
      this.log.scrollTop = this.log.scrollHeight;
    } else if (this.typing) {
      this.typing.remove();
      this.typing = null;
    }
  };

  Widget.prototype.ask = function (text, render, retried) {
    var self = this;
    return this.session(retried).then(function (session) {
      return self.api("/api/message", { session: session, text: text, language: self.lang, render: render });
    })["catch"](function (error) {
      if (error.status === 401 && !retried) return self.ask(text, render, true); // the server was restarted
      throw error;
    });
  };

  /* Send a question (or a button's payload, shown as its title). On an outage nothing is lost. */
  Widget.prototype.send = function (text, shown, render) {
    var self = this;
    if (!text || !text.trim() || this.sending) return;
    this.sending = true;
    var typed = shown === undefined;
    var bubble = this.add({ who: "user", text: shown || text, lang: this.lang });
    if (typed) this.input.value = "";
    this.busy(true);
    this.ask(text, render).then(function (data) {
      var recovered = self.outage;
      self.outage = false;
      self.status.textContent = "";
      if (data.language && data.language !== self.lang) {
        self.lang = data.language;
        self.applyLanguage();
      }
      if (recovered) self.status.textContent = self.t().reconnected;
      var shownIn = data.shown_in || self.lang;
      var offerGerman = !render && shownIn !== "de" && text.charAt(0) !== "/";
      data.messages.forEach(function (message, index) {
        var last = index === data.messages.length - 1;
        self.add({ who: "bot", text: message.text, buttons: message.buttons, lang: shownIn,
                   question: last && offerGerman ? text : null });
      });
    }, function (error) {
      self.outage = true;
      bubble.remove();
      self.state.messages.pop();
      self.save();
      if (typed) self.input.value = text;
      self.status.textContent = error.localized || self.t().unavailable;
    }).then(function () {
      self.busy(false);
      self.sending = false;
    });
  };

  /* Tick a step of the plan off (or back on): the plan answer is replaced by the updated one. */
  Widget.prototype.tick = function (payload, message, bubble, box) {
    var self = this;
    if (this.sending) { box.checked = !box.checked; return; }
    this.sending = true;
    this.ask(payload).then(function (data) {
      var last = data.messages[data.messages.length - 1];
      message.text = last.text;
      message.buttons = last.buttons;
      self.save();
      var scrolled = self.log.scrollTop;
      var fresh = self.show(message);
      bubble.replaceWith(fresh);
      self.log.scrollTop = scrolled;
      var again = fresh.querySelectorAll(".stl-check");
      for (var i = 0; i < again.length; i++) {
        if (again[i].parentNode.textContent === box.parentNode.textContent) again[i].focus();
      }
    }, function (error) {
      box.checked = !box.checked;
      self.status.textContent = error.localized || self.t().unavailable;
    }).then(function () {
      self.sending = false;
    });
  };

  /* A language picked in the menu: switch the labels at once and tell the assistant. */
  Widget.prototype.choose = function (code) {
    if (code === this.lang) return;
    this.lang = code;
    this.applyLanguage();
    this.send('/choose_language{"language":"' + code + '"}', this.language(code).name);
  };

  Widget.prototype.erase = function () {
    var self = this;
    var done = function (text) {
      self.state.messages = [];
      self.state.session = null;
      self.log.textContent = "";
      self.save();
      self.status.textContent = text;
      self.welcome();
    };
    if (!this.state.session) return done(this.t().deleted);
    this.api("/api/delete", { session: this.state.session, language: this.lang }).then(function (data) {
      done(data.message);
    }, function (error) {
      self.status.textContent = error.localized || self.t().delete_failed;
    });
  };

  function init(options, element) {
    options = options || {};
    var script = document.currentScript || document.querySelector("script[src*='widget.js']");
    if (!options.server && script) {
      options.server = script.getAttribute("data-server") || new URL(script.src, location.href).origin;
    }
    if (!options.lang && script) options.lang = script.getAttribute("data-lang");
    if (!document.querySelector("link[data-stadtlotse]")) {
      document.head.appendChild(el("link", { rel: "stylesheet", href: options.server.replace(/\/$/, "") + "/widget.css",
                                             "data-stadtlotse": "1" }));
    }
    var widget = new Widget(options, element || document.body);
    widget.start();
    return widget;
  }

  window.Stadtlotse = { version: 1, init: init };
  var current = document.currentScript;
  if (current && current.getAttribute("data-manual") === null) {
    var options = { server: current.getAttribute("data-server") || new URL(current.src, location.href).origin,
                    lang: current.getAttribute("data-lang") };
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", function () { init(options); });
    } else {
      init(options);
    }
  }
})();
