/* AIMhi-Y Supportive Yarn: the chat page. Plain JS, no libraries, no build step.
 *
 * POST chat {"message", "session_id"?, "message_id"?}
 *   -> 200 {"reply", "session_id", "state", "safety", "degraded"?, "resources"?}
 *   -> error {"error", "status"} (plus "reply", "safety", "resources" when the
 *      message may carry risk: that reply is shown, never only the error).
 * The session id is kept in localStorage so a reload continues the same yarn;
 * "Start a new yarn" forgets it. Every message has its own id, and a retry
 * sends the same id, so the server answers it once however often it arrives.
 * All text is put on the page with textContent (never innerHTML), so nothing a
 * person types can become markup.
 */
(function () {
  "use strict";

  var STORAGE_KEY = "aimhi-yarn-session-id";
  var MAX_CHARS = 1000;
  var CHAT_URL = "chat";
  // Crisis and support numbers in bot replies become tappable links (the four
  // of the crisis bar, and 1800RESPECT, used in replies about abuse).
  var TEL_LINKS = {
    "13 92 76": "tel:139276",
    "13 11 14": "tel:131114",
    "1800 737 732": "tel:1800737732",
    "1800 55 1800": "tel:1800551800",
    "000": "tel:000"
  };
  var TEL_RE = /(13 92 76|13 11 14|1800 737 732|1800 55 1800|\b000\b)/;

  // Waits before each retry of a message that did not reach us (about 15 s in
  // all): long enough for a phone to get its signal back, short enough that
  // nobody is left wondering.
  var RETRY_DELAYS_MS = [1000, 2000, 4000, 8000];
  // A request that hangs this long is given up on and retried (same message id).
  var REQUEST_TIMEOUT_MS = 30000;
  // The statuses a proxy or a restarting server gives; anything else is an answer.
  var RETRY_STATUSES = { 0: true, 502: true, 503: true, 504: true };
  var MESSAGE_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/; // the server's rule

  var GREETING_NEW =
    "Hey, welcome! 👋 This is the Supportive Yarn, a chatbot for a yarn about staying strong: " +
    "your people, your strengths, your worries and your goals. Say hi whenever you're ready.";
  var GREETING_BACK =
    "Welcome back! Send a message to keep going with your yarn, " +
    "or tap “Start a new yarn” to begin again.";
  var RETRY_NOTE = "Having trouble reaching the yarn. Trying again…";

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
  var yarnNumber = 0; // goes up with each new yarn, so a late answer to the old one is dropped
  var safetyShown = false; // a safety reply keeps the crisis bar highlighted for the rest of the yarn
  var unsent = null; // {text, messageId, sessionId} of a message that never got an answer
  var newSessionId = null; // this new yarn's id until the server's first answer confirms it

  // ---- ids ------------------------------------------------------------------------

  // A random UUID (v4). These ids must be unguessable (a message id fetches its
  // reply again), so only the browser's crypto is used; null without it.
  function randomId() {
    var c = window.crypto;
    if (!c) return null;
    if (typeof c.randomUUID === "function") {
      try { return c.randomUUID(); } catch (e) { /* not a secure context: fall through */ }
    }
    if (typeof c.getRandomValues !== "function") return null;
    var bytes = c.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    var hex = "";
    for (var i = 0; i < bytes.length; i++) hex += (bytes[i] + 0x100).toString(16).slice(1);
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" +
      hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function newMessageId() {
    var id = randomId();
    return id && MESSAGE_ID_RE.test(id) ? id : null;
  }

  // The ids a message is sent with. A new yarn gets its session id here, not
  // from the server's first answer: if that answer is lost, the retry must
  // land in the same yarn. Sending the same words again after a failure reuses
  // their ids, in case the first try did reach us.
  function idsFor(text) {
    if (unsent && unsent.text === text) return unsent;
    var sessionId = storeGet();
    if (!sessionId) sessionId = newSessionId = newSessionId || randomId();
    return { text: text, messageId: newMessageId(), sessionId: sessionId };
  }

  // ---- the page -------------------------------------------------------------------

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  // Put text into el, turning the exact support numbers into tel: links.
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

  // A safety reply (a check-in or crisis support) is marked for sight (its
  // style) and for screen readers (a hidden label read before it).
  function markSafety(p, level) {
    p.classList.add("safety");
    p.setAttribute("data-safety", level);
    var label = document.createElement("span");
    label.className = "visually-hidden";
    label.textContent = "Support message: ";
    p.insertBefore(label, p.firstChild);
  }

  // safety: null for an ordinary message, else "concern" or "crisis".
  function addMessage(kind, text, safety) {
    var p = document.createElement("p");
    p.className = "msg " + kind;
    if (kind === "bot") {
      fillWithLinks(p, text);
      if (safety) markSafety(p, safety);
      if (text.indexOf("13 92 76") !== -1) p.classList.add("crisis");
    } else {
      p.textContent = text;
    }
    log.appendChild(p); // complete before it is added, so it is announced whole
    scrollToEnd();
    if (safety) {
      safetyShown = true;
      highlightCrisisBar();
    } else if (kind === "bot" && text.indexOf("13 92 76") !== -1) {
      highlightCrisisBar();
    }
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

  // A quiet note while we retry by ourselves (not an alert: nothing is wrong yet).
  function showRetryNote(note) {
    if (note && note.parentNode) return note;
    var p = document.createElement("p");
    p.className = "msg note retry";
    p.textContent = RETRY_NOTE;
    log.appendChild(p);
    scrollToEnd();
    return p;
  }

  function removeNode(node) {
    if (node && node.parentNode) node.parentNode.removeChild(node);
  }

  // The bar is on screen all the time; highlighting points to it when it matters.
  function highlightCrisisBar() {
    crisisBar.classList.remove("highlight");
    void crisisBar.offsetWidth; // restart the animation
    crisisBar.classList.add("highlight");
  }

  function calmCrisisBar() {
    if (!safetyShown) crisisBar.classList.remove("highlight");
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

  // Give them their words back so trying again is one tap.
  function giveBack(text) {
    if (input.value) return;
    input.value = text;
    updateCounter();
    autoGrow();
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

  // ---- talking to the server ------------------------------------------------------

  function wait(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  // One POST. Always resolves, to {status, ok, data}: status 0 when nothing
  // came back (no network, a timeout, a body cut off), data null unless JSON.
  function postOnce(payload) {
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS) : null;
    return fetch(CHAT_URL, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(payload),
      credentials: "same-origin",
      signal: controller ? controller.signal : undefined
    })
      .then(function (response) {
        return response.text().then(function (body) {
          var data = null;
          try { data = body ? JSON.parse(body) : null; } catch (e) { data = null; }
          return { status: response.status, ok: response.ok, data: data };
        });
      })
      .then(null, function () { return { status: 0, ok: false, data: null }; })
      .then(function (result) {
        if (timer) clearTimeout(timer);
        return result;
      });
  }

  function replyOf(result) {
    var data = result.data;
    return data && typeof data.reply === "string" && data.reply ? data.reply : null;
  }

  // Worth trying again: nothing reached us, or a gateway/restart status with no
  // reply in it. A 4xx is an answer (a retry would get the same one).
  function worthRetrying(result) {
    return RETRY_STATUSES[result.status] === true && replyOf(result) === null;
  }

  // POST, then retry with backoff while it is worth it. The payload (and so the
  // message id) is the same every time. onRetry() is told before each wait;
  // wanted() false stops early (they started a new yarn meanwhile).
  function postWithRetries(payload, wanted, onRetry) {
    var retries = 0;
    function attempt() {
      return postOnce(payload).then(function (result) {
        // Without a message id a retry could double the message: never retry then.
        if (!payload.message_id || retries >= RETRY_DELAYS_MS.length || !worthRetrying(result)) return result;
        if (!wanted()) return result;
        onRetry();
        // A little jitter, so many phones coming back at once do not all ask together.
        var delay = RETRY_DELAYS_MS[retries] * (1 + Math.random() * 0.2);
        retries += 1;
        return wait(delay).then(function () { return wanted() ? attempt() : result; });
      });
    }
    return attempt();
  }

  // Show what came back; true if the message got its answer.
  function showResult(result, ids) {
    var data = result.data || {};
    var reply = replyOf(result);
    if (result.ok && reply !== null) {
      // A degraded reply (the database was away, the message is kept) reads like any other.
      if (typeof data.session_id === "string" && data.session_id) storeSet(data.session_id);
      if (typeof data.state === "string" && data.state) document.body.setAttribute("data-state", data.state);
      addMessage("bot", reply, data.safety === "concern" || data.safety === "crisis" ? data.safety : null);
      return true;
    }
    var status = result.ok ? 500 : result.status; // a 2xx without a reply is our fault too
    var serverMessage = typeof data.error === "string" ? data.error : "";
    addError(friendlyError(status, serverMessage));
    // A reply in an error body is the safety reply to a message that may carry
    // risk: it is shown as one, after the error, so it is the last thing read.
    if (reply !== null) addMessage("bot", reply, data.safety === "concern" ? "concern" : "crisis");
    giveBack(ids.text);
    return false;
  }

  function send(text) {
    var yarn = yarnNumber;
    var ids = idsFor(text);
    var payload = { message: text };
    if (ids.sessionId) payload.session_id = ids.sessionId;
    if (ids.messageId) payload.message_id = ids.messageId;
    var note = null;

    function stillHere() { return yarn === yarnNumber; }

    setWaiting(true);
    return postWithRetries(payload, stillHere, function () {
      note = showRetryNote(note);
      highlightCrisisBar(); // while we cannot reach them, the numbers are the way to a person
    })
      .then(function (result) {
        if (!stillHere()) return false; // an answer for a yarn they have left
        removeNode(note);
        var ok = showResult(result, ids);
        unsent = ok ? null : ids;
        if (ok) calmCrisisBar();
        return ok;
      })
      .then(null, function () { // a bug of ours: still never leave them hanging
        if (!stillHere()) return false;
        removeNode(note);
        addError(friendlyError(500, ""));
        giveBack(text);
        return false;
      })
      .then(function (ok) {
        if (!stillHere()) return ok;
        setWaiting(false);
        input.focus();
        return ok;
      });
  }

  // ---- events ---------------------------------------------------------------------

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
    yarnNumber += 1; // whatever is still on its way belongs to the old yarn
    unsent = null;
    newSessionId = null;
    safetyShown = false;
    storeClear();
    while (log.firstChild) log.removeChild(log.firstChild);
    crisisBar.classList.remove("highlight");
    document.body.setAttribute("data-state", "welcome");
    setWaiting(false);
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
