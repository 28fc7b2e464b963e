// The phone page's service worker (scope /m/): the shell and its files are cached at
// install so the page opens without a network; the API is never cached.
const CACHE = "fieldapp-phone-{{ version }}";
const SHELL = {{ files|tojson }};

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys().then((names) => Promise.all(
    names.filter((name) => name.startsWith("fieldapp-phone-") && name !== CACHE)
      .map((name) => caches.delete(name)))).then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname.startsWith("/m/")) {
    // the page from the network when there is one (a new shell), else the cached shell
    event.respondWith(fetch(request).catch(() => caches.match("/m/", {cacheName: CACHE})));
    return;
  }
  if (SHELL.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname, {cacheName: CACHE})
      .then((hit) => hit || fetch(request)));
  }
});
