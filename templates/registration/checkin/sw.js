/* SCI Events check-in — service worker for the app shell (version {{ version }}).
 * Keeps the page, its script, styles, QR decoder and icons for offline use.
 * API calls are never cached: scans and sync always go to the network, and the
 * app itself decides offline from its synced data.
 */
"use strict";
var CACHE = "sci-checkin-{{ version }}";
var SHELL = {{ shell_json|safe }};

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) { return key.indexOf("sci-checkin-") === 0 && key !== CACHE; }).map(function (key) { return caches.delete(key); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.indexOf("/api/") === 0) return;
  if (request.mode === "navigate") {
    // The page: fresh when online, the cached shell when not.
    event.respondWith(fetch(request).catch(function () { return caches.match("/checkin/"); }));
    return;
  }
  if (SHELL.indexOf(url.pathname) !== -1) {
    event.respondWith(caches.match(request).then(function (hit) { return hit || fetch(request); }));
  }
});
