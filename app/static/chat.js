/* AIMhi-Y Supportive Yarn: the chat page. Plain JS, no libraries, no build step.
 *
 * POST chat {"message", "session_id"?} -> {"reply", "session_id", "state"}.
 * The session id is kept in localStorage so a reload continues the same yarn;
 * "Start a new yarn" forgets it. All text is put on the page with textContent
 * (never innerHTML), so nothing a person types can become markup.
 */
(function () {
  "use strict";

  var STORAGE_KEY = "aimhi-yarn-session-id";
  var MAX_CHARS = 1000;
  var CHAT_URL = "chat";
  // Crisis numbers in bot replies become tappable links (the same four as the crisis bar).
  var TEL_LINKS = {
    "13 92 76": "tel:139276",
    "13 11 14": "tel:131114",
    "1800 55 1800": "tel:1800551800",
    "000": "tel:000"
  };
  var TEL_RE = /(13 92 76|13 11 14|1800 55 1800|\b000\b)/;

  var GREETING_NEW =
    "Hey, welcome! 👋 This is the Supportive Yarn, a chatbot for a yarn about staying strong: " +
    "your people, your strengths, your worries and your goals. Say hi whenever you're ready.";
  var GREETING_BACK =
    "Welcome back! Send a message to keep going with your yarn, " +
    "or tap “Start a new yarn” to begin again.";

  var memoryStore = {}; // used when localStorage is blocked (some private modes)

  function storeGet() {
    try { return window.localStorage.getItem(STORAGE_KEY); }
    catch (e) { return memoryStore[STORAGE_KEY] || null; }
  }
  function storeSet(value) {
    try { window.localStorage.setItem(STORAGE_KEY, value); }
    catch (e) { memoryStore[STORAGE_KEY] = value; }
  }
  function storeClear() {
    try { window.localStorage.removeItem(STORAGE_KEY); } catch (e) { /* ignore */ }
    delete memoryStore[STORAGE_KEY];
  }

  var form, input, sendButton, log, counter, counterBox, typing, newYarnButton, crisisBar;
  var waiting = false;

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  // Put text into el, turning the exact crisis numbers into tel: links.
  function fillWithLinks(el, text) {
    var parts = text.split(TEL_RE);
    for (var i = 0; i < parts.length; i++) {
      var part = parts[i];
      if (!part) continue;
      if (i % 2 === 1 && TEL_LINKS[part]) {
        var a = document.createElement("a");
        a.href = TEL_LINKS[part];
        a.textContent = part;
        el.appendChild(a);
      } else {
        el.appendChild(document.createTextNode(part));
      }
    }
  }

  function addMessage(kind, text) {
    var p = document.createElement("p");
    p.className = "msg " + kind;
    if (kind === "bot") {
      fillWithLinks(p, text);
      if (text.indexOf("13 92 76") !== -1) {
        p.classList.add("crisis");
        highlightCrisisBar();
      }
    } else {
      p.textContent = text;
    }
    log.appendChild(p);
    scrollToEnd();
    return p;
  }

  function addError(text) {
    var p = document.createElement("p");
    p.className = "msg error";
    p.setAttribute("role", "alert");
    p.textContent = text;
    log.appendChild(p);
    scrollToEnd();
  }

  function highlightCrisisBar() {
    crisisBar.classList.remove("highlight");
    void crisisBar.offsetWidth; // restart the animation
    crisisBar.classList.add("highlight");
  }

  // The page's own greeting (the bot replies only after their first message).
  function showGreeting() {
    addMessage("bot", storeGet() ? GREETING_BACK : GREETING_NEW).classList.add("intro");
  }

  function updateCounter() {
    var used = input.value.length;
    counter.textContent = String(used);
    counterBox.classList.toggle("near", used > MAX_CHARS - 100);
  }

  function autoGrow() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight + 4, 160) + "px";
  }

  function setWaiting(on) {
    waiting = on;
    sendButton.disabled = on;
    log.setAttribute("aria-busy", on ? "true" : "false");
    typing.hidden = !on;
    if (on) scrollToEnd();
  }

  function friendlyError(status, serverMessage) {
    var base;
    if (status === 0) {
      base = "Can't reach the yarn right now. Check your connection and try again.";
    } else if (status === 429) {
      base = "That's a lot of messages at once. Take a breather and try again in a minute.";
    } else if (status >= 500) {
      base = "Sorry, something went wrong on our side. Please try again in a moment.";
    } else {
      base = "Sorry, that message didn't go through.";
    }
    if (serverMessage && status !== 0) {
      return base + " (" + serverMessage + ")";
    }
    return base;
  }

  function send(text) {
    var payload = { message: text };
    var sessionId = storeGet();
    if (sessionId) payload.session_id = sessionId;

    setWaiting(true);
    var status = 0;
    return fetch(CHAT_URL, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(payload),
      credentials: "same-origin"
    })
      .then(function (response) {
        status = response.status;
        return response.text().then(function (body) {
          var data = null;
          try { data = body ? JSON.parse(body) : null; } catch (e) { data = null; }
          return { ok: response.ok, data: data };
        });
      })
      .then(function (result) {
        var data = result.data;
        if (!result.ok || !data || typeof data.reply !== "string") {
          var serverMessage = data && typeof data.error === "string" ? data.error : "";
          if (result.ok) status = 500; // a 2xx without a reply is our fault too
          throw { status: status, serverMessage: serverMessage };
        }
        if (typeof data.session_id === "string" && data.session_id) storeSet(data.session_id);
        if (typeof data.state === "string") document.body.setAttribute("data-state", data.state);
        addMessage("bot", data.reply);
        return true;
      })
      .catch(function (err) {
        var st = err && typeof err.status === "number" ? err.status : 0;
        addError(friendlyError(st, err && err.serverMessage));
        if (!input.value) { // give them their words back to try again
          input.value = text;
          updateCounter();
          autoGrow();
        }
        return false;
      })
      .then(function (ok) {
        setWaiting(false);
        input.focus();
        return ok;
      });
  }

  function onSubmit(event) {
    event.preventDefault();
    if (waiting) return;
    var text = input.value.trim();
    if (!text) {
      input.focus();
      return;
    }
    if (text.length > MAX_CHARS) {
      addError("That message is a bit long. Please keep it to " + MAX_CHARS + " characters.");
      return;
    }
    addMessage("user", text);
    input.value = "";
    updateCounter();
    autoGrow();
    send(text);
  }

  function onKeyDown(event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      if (typeof form.requestSubmit === "function") form.requestSubmit();
      else form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  }

  function startNewYarn() {
    storeClear();
    while (log.firstChild) log.removeChild(log.firstChild);
    document.body.setAttribute("data-state", "welcome");
    showGreeting();
    input.value = "";
    updateCounter();
    autoGrow();
    input.focus();
  }

  function init() {
    form = document.getElementById("chat-form");
    input = document.getElementById("message");
    sendButton = document.getElementById("send");
    log = document.getElementById("messages");
    counter = document.getElementById("char-used");
    counterBox = document.getElementById("char-count");
    typing = document.getElementById("typing");
    newYarnButton = document.getElementById("new-yarn");
    crisisBar = document.getElementById("crisis-bar");

    input.setAttribute("maxlength", String(MAX_CHARS));
    form.addEventListener("submit", onSubmit);
    input.addEventListener("keydown", onKeyDown);
    input.addEventListener("input", function () { updateCounter(); autoGrow(); });
    newYarnButton.addEventListener("click", startNewYarn);

    showGreeting();
    updateCounter();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
