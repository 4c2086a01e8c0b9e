/* SCI Events — volunteer check-in app (/checkin/).
 *
 * One external script (strict CSP: no inline code). The device token lives in
 * localStorage; every scan gets a nonce and a scan time here, on the device.
 * Online, the server decides (POST /api/v1/checkin/redeem/). Offline (or when
 * the server cannot be reached in time), the device decides from the last sync,
 * which holds SHA-256 hashes of the badge secrets, never the secrets, and
 * queues the scan; the queue uploads when the network returns, with the
 * original scan time, and conflicts the server reports are shown.
 */
(function () {
  "use strict";

  var API = document.body.getAttribute("data-api");
  var KEY = "sci-checkin:";
  var TIMEOUT_MS = 3000;
  var SYNC_EVERY_MS = 60000;
  var UPLOAD_EVERY_MS = 10000;
  var SAME_CODE_PAUSE_MS = 2500;
  var MAX_HELD_CODES = 20;

  var $ = function (id) { return document.getElementById(id); };
  var text = {};
  Array.prototype.forEach.call(
    $("i18n").content.querySelectorAll("data"),
    function (node) { text[node.value] = node.textContent.trim(); }
  );

  // --- Storage --------------------------------------------------------------------
  function load(name, fallback) {
    try {
      var raw = localStorage.getItem(KEY + name);
      return raw === null ? fallback : JSON.parse(raw);
    } catch (e) { return fallback; }
  }
  function save(name, value) {
    if (value === null || value === undefined) localStorage.removeItem(KEY + name);
    else localStorage.setItem(KEY + name, JSON.stringify(value));
  }

  var state = {
    token: load("token", null),
    device: load("device", ""),
    lists: load("lists", []),
    listId: load("list", null),
    mode: load("mode", "entry"),
    sync: load("sync", null),          // {list, generated_at, attendees: [...]}
    queue: load("queue", []),          // scans waiting to upload
    local: load("local", {}),          // attendee id -> "in"/"out" since the sync
    conflicts: load("conflicts", []),
    online: navigator.onLine,
    busy: false,
    heldCodes: [],                     // scanned while busy or before the lists loaded
    lastCode: "",
    lastCodeAt: 0,
  };

  // --- Network --------------------------------------------------------------------
  function api(path, options) {
    options = options || {};
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
    var headers = { Accept: "application/json" };
    if (state.token) headers.Authorization = "Device " + state.token;
    if (options.body) headers["Content-Type"] = "application/json";
    return fetch(API + path, {
      method: options.method || "GET",
      headers: headers,
      body: options.body ? JSON.stringify(options.body) : undefined,
      signal: controller.signal,
      cache: "no-store",
      credentials: "omit",
    }).then(function (response) {
      clearTimeout(timer);
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { status: response.status, body: body };
      });
    }, function (error) {
      clearTimeout(timer);
      throw error;
    });
  }

  function setOnline(online) {
    state.online = online;
    var net = $("net");
    net.setAttribute("data-state", online ? "online" : "offline");
    $("net-label").textContent = online ? text.online : text.offline;
    renderQueue();
  }

  // --- Helpers ----------------------------------------------------------------------
  function nonce() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function sha256(value) {
    return crypto.subtle.digest("SHA-256", new TextEncoder().encode(value)).then(function (digest) {
      return Array.prototype.map.call(new Uint8Array(digest), function (b) {
        return ("0" + b.toString(16)).slice(-2);
      }).join("");
    });
  }

  function currentList() {
    for (var i = 0; i < state.lists.length; i++) {
      if (state.lists[i].id === state.listId) return state.lists[i];
    }
    return null;
  }

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined) node.textContent = content;
    return node;
  }

  function toast(message) {
    var node = $("toast");
    node.textContent = message;
    node.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { node.hidden = true; }, 4000);
  }

  // --- Feedback: sound and vibration ---------------------------------------------
  var audio = null;
  function beep(ok) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var tones = ok ? [[880, 0, 0.12], [1320, 0.12, 0.14]] : [[220, 0, 0.22], [180, 0.26, 0.3]];
      tones.forEach(function (tone) {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        osc.type = ok ? "sine" : "square";
        osc.frequency.value = tone[0];
        gain.gain.value = 0.15;
        osc.connect(gain);
        gain.connect(audio.destination);
        osc.start(audio.currentTime + tone[1]);
        osc.stop(audio.currentTime + tone[1] + tone[2]);
      });
    } catch (e) { /* no audio: the colour still shows */ }
    if (navigator.vibrate) navigator.vibrate(ok ? 80 : [200, 100, 200]);
  }

  // --- The answer screen -----------------------------------------------------------
  var answerTimer = null;
  function showAnswer(result) {
    var ok = result.code === "ok";
    var box = $("answer");
    box.setAttribute("data-status", ok ? "ok" : "error");
    box.setAttribute("data-code", result.code);
    var title = ok ? (result.type === "exit" ? text.ok_exit : text.ok) : (text[result.code] || result.code);
    $("answer-title").textContent = title;
    var person = result.attendee;
    $("answer-name").textContent = person ? person.name : "";
    $("answer-latin").textContent = person && person.name_latin ? person.name_latin : "";
    $("answer-latin").hidden = !(person && person.name_latin);
    var ticket = "";
    if (person) {
      ticket = person.ticket_type;
      if (person.delegation) ticket += " · " + person.delegation;
      if (person.extras && person.extras.length) ticket += " · " + person.extras.join(", ");
    }
    $("answer-ticket").textContent = ticket;
    var flags = $("answer-flags");
    flags.textContent = "";
    (person ? person.flags : []).forEach(function (flag) {
      flags.appendChild(el("li", "ck-flag ck-flag--" + flag, text["flag_" + flag] || flag));
    });
    $("answer-message").textContent = result.message || "";
    $("answer-offline").hidden = !result.offline;
    box.hidden = false;
    box.focus();
    beep(ok);
    clearTimeout(answerTimer);
    answerTimer = setTimeout(hideAnswer, ok ? 2500 : 6000);
  }

  function hideAnswer() {
    clearTimeout(answerTimer);
    $("answer").hidden = true;
    if (!$("scan-screen").hidden) $("code").focus();
  }

  // --- Deciding offline ------------------------------------------------------------
  function findByHash(hash) {
    var entries = state.sync ? state.sync.attendees : [];
    for (var i = 0; i < entries.length; i++) if (entries[i].hash === hash) return entries[i];
    return null;
  }
  function findById(id) {
    var entries = state.sync ? state.sync.attendees : [];
    for (var i = 0; i < entries.length; i++) if (entries[i].attendee.id === id) return entries[i];
    return null;
  }

  function isInside(entry) {
    var local = state.local[entry.attendee.id];
    if (local) return local === "in";
    return entry.inside;
  }

  function decideOffline(entry, scan, list) {
    if (!entry) return { code: "unknown_ticket", attendee: null };
    var result = { attendee: entry.attendee };
    if (scan.type === "exit") result.code = entry.standing === "not_on_list" ? "not_on_list" : "ok";
    else if (entry.standing === "not_on_list") result.code = "not_on_list";
    else if (list && !listOpen(list, new Date(scan.scanned_at))) result.code = "list_closed";
    else if (entry.standing !== "ok") result.code = entry.standing;
    else if (isInside(entry) && !(list && list.allow_reentry)) result.code = "already_checked_in";
    else result.code = "ok";
    if (result.code === "ok") {
      state.local[entry.attendee.id] = scan.type === "exit" ? "out" : "in";
      save("local", state.local);
    }
    return result;
  }

  function listOpen(list, moment) {
    if (list.opens_at && moment < new Date(list.opens_at)) return false;
    return !(list.closes_at && moment > new Date(list.closes_at));
  }

  // --- Scanning ---------------------------------------------------------------------
  function submitScan(scan) {
    if (state.busy) return;
    state.busy = true;
    scan.list = state.listId;
    scan.nonce = nonce();
    scan.type = state.mode;
    scan.scanned_at = new Date().toISOString();

    function offline() {
      var lookup = scan.secret ? sha256(scan.secret).then(findByHash) : Promise.resolve(findById(scan.attendee));
      return lookup.then(function (entry) {
        var result = decideOffline(entry, scan, currentList());
        scan.offline = true;
        scan.forced = result.code === "ok";
        enqueue(scan);
        result.type = scan.type;
        result.offline = true;
        result.message = text.offline_msg;
        showAnswer(result);
      });
    }

    var attempt = state.online ? api("redeem/", { method: "POST", body: scan }).then(function (response) {
      if (response.status === 200 || (response.status === 403 && response.body.code === "revoked")) {
        setOnline(true);
        if (response.body.code === "ok" && response.body.attendee) {
          state.local[response.body.attendee.id] = scan.type === "exit" ? "out" : "in";
          save("local", state.local);
        }
        showAnswer(response.body);
        refreshStats();
        return null;
      }
      if (response.status === 401) { unpair(); return null; }
      if (response.status >= 500) return offline();
      toast(response.body.detail || ("HTTP " + response.status));
      return null;
    }, function () {
      setOnline(false);
      return offline();
    }) : offline();

    attempt.then(releaseHeldCode, releaseHeldCode);
  }

  function releaseHeldCode() {
    state.busy = false;
    if (state.heldCodes.length) handleCode(state.heldCodes.shift());
  }

  function handleCode(raw) {
    var code = (raw || "").trim();
    if (!code) return;
    // A badge scanned before the lists have loaded (just after pairing) or while the
    // previous answer is still on its way is held, not dropped: the queue must not
    // have to scan it twice. A USB scanner can read several badges in that time, so
    // they wait in order; the same code twice in a row is one scan.
    if (!state.listId || state.busy) {
      var held = state.heldCodes;
      if (held[held.length - 1] !== code && held.length < MAX_HELD_CODES) held.push(code);
      return;
    }
    var now = Date.now();
    // A camera sees the same badge many times a second; a USB scanner never repeats by itself.
    if (code === state.lastCode && now - state.lastCodeAt < SAME_CODE_PAUSE_MS && !$("answer").hidden) return;
    state.lastCode = code;
    state.lastCodeAt = now;
    submitScan({ secret: code });
  }

  // --- Offline queue --------------------------------------------------------------
  function enqueue(scan) {
    state.queue.push(scan);
    save("queue", state.queue);
    renderQueue();
  }

  function renderQueue() {
    var count = $("queue-count");
    count.hidden = state.queue.length === 0;
    count.textContent = state.queue.length + " " + text.queued;
  }

  var uploading = false;
  function upload() {
    if (uploading || !state.queue.length || !state.token) return Promise.resolve();
    uploading = true;
    var sent = 0;
    function next() {
      if (!state.queue.length) return Promise.resolve();
      var scan = state.queue[0];
      return api("redeem/", { method: "POST", body: scan }).then(function (response) {
        setOnline(true);
        if (response.status >= 500) throw new Error("server");
        if (response.status === 401) throw new Error("unpaired");
        // Decided (200/403) or refused as malformed (400): either way it is done.
        state.queue.shift();
        save("queue", state.queue);
        sent += 1;
        if (response.body.conflict) addConflict(scan, response.body);
        return next();
      });
    }
    return next().then(function () {
      finish();
    }, function () {
      finish();
    });
    function finish() {
      uploading = false;
      renderQueue();
      if (sent) {
        toast(sent + " " + text.uploaded);
        document.body.setAttribute("data-uploaded", String((+document.body.getAttribute("data-uploaded") || 0) + sent));
        refreshStats();
      }
    }
  }

  function addConflict(scan, body) {
    state.conflicts.unshift({
      name: body.attendee ? body.attendee.name : (scan.secret || ""),
      code: body.code,
      message: body.message,
      scanned_at: scan.scanned_at,
    });
    state.conflicts = state.conflicts.slice(0, 50);
    save("conflicts", state.conflicts);
    renderConflicts();
  }

  function renderConflicts() {
    var box = $("conflicts");
    var list = $("conflict-list");
    list.textContent = "";
    state.conflicts.forEach(function (item) {
      var li = el("li", "ck-conflict");
      li.appendChild(el("strong", null, item.name));
      li.appendChild(el("span", "ck-muted", " · " + new Date(item.scanned_at).toLocaleTimeString() + " · "));
      li.appendChild(el("span", null, item.message));
      list.appendChild(li);
    });
    box.hidden = state.conflicts.length === 0;
  }

  // --- Sync ---------------------------------------------------------------------------
  function syncNow() {
    if (!state.token) return Promise.resolve();
    return api("lists/").then(function (response) {
      if (response.status === 401) { unpair(); return; }
      if (response.status !== 200) {
        if (response.body.code === "revoked") showAnswer({ code: "revoked", message: response.body.detail });
        return;
      }
      setOnline(true);
      state.device = response.body.device;
      state.lists = response.body.lists;
      save("device", state.device);
      save("lists", state.lists);
      if (!currentList() && state.lists.length) state.listId = state.lists[0].id;
      save("list", state.listId);
      renderLists();
      if (!state.listId) return;
      if (state.heldCodes.length && !state.busy) releaseHeldCode();
      return upload().then(function () { return api("lists/" + state.listId + "/sync/"); }).then(function (sync) {
        if (sync && sync.status === 200) {
          state.sync = sync.body;
          state.local = {};
          save("sync", state.sync);
          save("local", state.local);
          renderStats();
        }
      });
    }, function () { setOnline(false); });
  }

  function refreshStats() {
    clearTimeout(refreshStats.timer);
    refreshStats.timer = setTimeout(syncNow, 1500);
  }

  function renderStats() {
    var entries = state.sync ? state.sync.attendees : [];
    var expected = 0;
    var inside = 0;
    entries.forEach(function (entry) {
      if (entry.standing === "ok") expected += 1;
      if (isInside(entry)) inside += 1;
    });
    var list = currentList();
    $("stats").textContent = list ? inside + " / " + expected + " " + (list.track_exits ? text.inside : text.checked_in) : "";
    $("sync-info").textContent = text.synced + ": " + (state.sync ? new Date(state.sync.generated_at).toLocaleString() : text.never);
  }

  function renderLists() {
    $("device-name").textContent = state.device;
    var select = $("list-select");
    select.textContent = "";
    state.lists.forEach(function (list) {
      var option = el("option", null, list.name + " — " + list.event.name);
      option.value = String(list.id);
      option.selected = list.id === state.listId;
      select.appendChild(option);
    });
    var list = currentList();
    var exits = !!(list && list.track_exits);
    $("mode-toggle").hidden = !exits;
    if (!exits) setMode("entry");
    renderStats();
  }

  function setMode(mode) {
    state.mode = mode;
    save("mode", mode);
    document.body.setAttribute("data-mode", mode);
    Array.prototype.forEach.call(document.querySelectorAll("[data-mode]"), function (button) {
      if (button.tagName === "BUTTON") button.setAttribute("aria-checked", button.getAttribute("data-mode") === mode ? "true" : "false");
    });
  }

  // --- Name search ----------------------------------------------------------------------
  var searchTimer = null;
  function search(query) {
    query = query.trim();
    var results = $("results");
    if (query.length < 2) { results.textContent = ""; return; }
    var run = state.online
      ? api("lists/" + state.listId + "/search/?q=" + encodeURIComponent(query)).then(function (r) {
          if (r.status !== 200) throw new Error("search");
          return r.body.results;
        })
      : Promise.reject(new Error("offline"));
    run.catch(function () { return searchLocal(query); }).then(renderResults);
  }

  function searchLocal(query) {
    var words = query.toLowerCase().split(/\s+/);
    var entries = state.sync ? state.sync.attendees : [];
    return entries.filter(function (entry) {
      var a = entry.attendee;
      var hay = [a.name, a.name_latin || "", a.given_name, a.family_name].join(" ").toLowerCase();
      return words.every(function (w) { return hay.indexOf(w) !== -1; });
    }).slice(0, 20).map(function (entry) {
      return { standing: entry.standing, inside: isInside(entry), attendee: entry.attendee };
    });
  }

  function renderResults(items) {
    var results = $("results");
    results.textContent = "";
    if (!items.length) { results.appendChild(el("li", "ck-results__empty", text.no_results)); return; }
    items.forEach(function (item) {
      var li = el("li", "ck-result");
      var info = el("div", "ck-result__info");
      info.appendChild(el("strong", "ck-result__name", item.attendee.name));
      if (item.attendee.name_latin) info.appendChild(el("span", "ck-result__latin", item.attendee.name_latin));
      var line = item.attendee.ticket_type + (item.attendee.delegation ? " · " + item.attendee.delegation : "");
      info.appendChild(el("span", "ck-result__meta", line));
      if (item.standing !== "ok") info.appendChild(el("span", "ck-result__standing", text[item.standing] || item.standing));
      else if (item.inside) info.appendChild(el("span", "ck-result__standing ck-result__standing--in", text.already_checked_in));
      li.appendChild(info);
      var button = el("button", "ck-btn ck-btn--primary", text.check_in);
      button.type = "button";
      button.addEventListener("click", function () {
        submitScan({ attendee: item.attendee.id });
        $("search").value = "";
        results.textContent = "";
      });
      li.appendChild(button);
      results.appendChild(li);
    });
  }

  // --- Camera -------------------------------------------------------------------------
  var stream = null;
  var frameTimer = null;
  function startCamera() {
    if (!navigator.mediaDevices || !window.jsQR) { toast(text.camera_error); return; }
    navigator.mediaDevices.getUserMedia({
      video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
      audio: false,
    }).then(function (media) {
      stream = media;
      var video = $("video");
      video.srcObject = media;
      video.hidden = false;
      document.body.classList.add("is-scanning");
      $("camera-label").textContent = text.camera_stop;
      return video.play().then(readFrames);
    }).catch(function () { toast(text.camera_error); stopCamera(); });
  }

  function stopCamera() {
    clearTimeout(frameTimer);
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    $("video").hidden = true;
    document.body.classList.remove("is-scanning");
    $("camera-label").textContent = text.camera_start;
  }

  function readFrames() {
    var video = $("video");
    var canvas = $("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    function frame() {
      if (!stream) return;
      if (video.readyState >= 2 && $("answer").hidden && !state.busy) {
        var scale = Math.min(1, 640 / (video.videoWidth || 640));
        canvas.width = Math.round(video.videoWidth * scale);
        canvas.height = Math.round(video.videoHeight * scale);
        context.drawImage(video, 0, 0, canvas.width, canvas.height);
        var image = context.getImageData(0, 0, canvas.width, canvas.height);
        var found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
        if (found && found.data) handleCode(found.data);
      }
      frameTimer = setTimeout(frame, 150);
    }
    frame();
  }

  // --- Pairing --------------------------------------------------------------------------
  function showScreens() {
    var paired = !!state.token;
    $("pair-screen").hidden = paired;
    $("scan-screen").hidden = !paired;
    document.body.setAttribute("data-paired", paired ? "yes" : "no");
    if (paired) { renderLists(); renderQueue(); renderConflicts(); $("code").focus(); }
    else $("pair-code").focus();
  }

  function paired(token, device) {
    state.token = token;
    state.device = device || "";
    save("token", token);
    save("device", state.device);
    showScreens();
    return syncNow();
  }

  /* The refusal is announced (role="alert") and tied to the code field. */
  function showPairError(message) {
    var input = $("pair-code");
    $("pair-error").textContent = message;
    $("pair-error").hidden = !message;
    if (message) {
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", "pair-error");
    } else {
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
    }
  }

  function pair(code) {
    showPairError("");
    return api("pair/", { method: "POST", body: { code: code } }).then(function (response) {
      if (response.status === 200) return paired(response.body.token, response.body.device);
      var errors = response.body.errors && response.body.errors.code;
      showPairError(errors ? errors[0].message : text.pair_failed);
    }, function () {
      showPairError(text.pair_failed);
    });
  }

  function unpair() {
    state.token = null;
    state.sync = null;
    state.lists = [];
    save("token", null);
    save("sync", null);
    save("lists", []);
    stopCamera();
    showScreens();
  }

  function readFragment() {
    var hash = window.location.hash.replace(/^#/, "");
    if (!hash) return null;
    var params = new URLSearchParams(hash);
    // Keep secrets out of the address bar and history.
    history.replaceState(null, "", window.location.pathname);
    if (params.get("token")) return paired(params.get("token"), "");
    if (params.get("pair")) return pair(params.get("pair"));
    return null;
  }

  // --- Wiring ---------------------------------------------------------------------------
  $("pair-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var code = $("pair-code").value.trim();
    if (code) pair(code);
  });
  $("code-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = $("code");
    handleCode(input.value);
    input.value = "";
  });
  $("search").addEventListener("input", function (event) {
    clearTimeout(searchTimer);
    var value = event.target.value;
    searchTimer = setTimeout(function () { search(value); }, 250);
  });
  $("search-form").addEventListener("submit", function (event) {
    event.preventDefault();
    search($("search").value);
  });
  $("list-select").addEventListener("change", function (event) {
    state.listId = parseInt(event.target.value, 10);
    save("list", state.listId);
    state.sync = null;
    renderLists();
    syncNow();
  });
  Array.prototype.forEach.call(document.querySelectorAll("button[data-mode]"), function (button) {
    button.addEventListener("click", function () { setMode(button.getAttribute("data-mode")); });
  });
  $("camera-start").addEventListener("click", function () { if (stream) stopCamera(); else startCamera(); });
  $("answer").addEventListener("click", hideAnswer);
  $("answer").addEventListener("keydown", function (event) {
    // A USB scanner typing the next badge must not be lost behind the answer.
    if (event.key.length === 1) { hideAnswer(); $("code").value = event.key; event.preventDefault(); }
    else if (event.key === "Enter" || event.key === "Escape") hideAnswer();
  });
  $("sync-now").addEventListener("click", syncNow);
  $("unpair").addEventListener("click", function () { if (window.confirm(text.unpair_confirm)) unpair(); });
  window.addEventListener("online", function () { setOnline(true); upload().then(syncNow); });
  window.addEventListener("offline", function () { setOnline(false); });

  setOnline(navigator.onLine);
  setMode(state.mode);
  showScreens();
  var start = readFragment();
  if (!start && state.token) syncNow();
  setInterval(function () { if (navigator.onLine) upload(); }, UPLOAD_EVERY_MS);
  setInterval(function () { if (navigator.onLine && state.token) syncNow(); }, SYNC_EVERY_MS);

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(document.body.getAttribute("data-sw"), { scope: "/checkin/" }).catch(function () {});
  }
})();
