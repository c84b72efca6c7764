// Supervision's service worker, registered by app.js with the scope /app/ (the workbench only; the public portal is
// never controlled). It keeps what an inspector needs to reopen a form without a network:
//  - the workbench's scripts and stylesheet (network first, the cached copy when there is no network);
//  - the pages the server marks as the inspector's own ("Supervision-Offline: keep": the inspector's home, their
//    assignments and the form of an inspection they are on), each time such a page is opened online.
// It never stores an API answer (/api/...), a page without that mark, a redirect or an error, and never answers a
// request other than a GET. Opening the sign-in page (which is where signing out and an ended session lead) empties
// the page cache; app.js empties every cache on sign-out as well.
"use strict";

const ASSETS_CACHE = "supervision-assets-v1";
const PAGES_CACHE = "supervision-pages-v1";
const ASSETS = ["/js/app.js", "/js/workbench.js", "/css/site.css", "/favicon.ico"];
const KEEP_HEADER = "Supervision-Offline";

// Page caching in progress, by URL: a page asking "are you kept?" waits for the copy its own navigation is writing.
const pending = new Map();

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(ASSETS_CACHE).then((cache) => cache.addAll(ASSETS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const keep = [ASSETS_CACHE, PAGES_CACHE];
    for (const name of await caches.keys()) if (name.startsWith("supervision-") && !keep.includes(name)) await caches.delete(name);
    await self.clients.claim();
  })());
});

const pageKey = (url) => { const u = new URL(url); u.hash = ""; return u.href; };

// A page response is kept only when the server said so and it is the page itself (200, no redirect, HTML).
function keepable(response) {
  return response && response.ok && response.status === 200 && !response.redirected &&
    response.headers.get(KEEP_HEADER) === "keep" && (response.headers.get("Content-Type") || "").includes("text/html");
}

async function remember(url, response) {
  const cache = await caches.open(PAGES_CACHE);
  if (keepable(response)) await cache.put(url, response);
  else await cache.delete(url);  // no longer the inspector's (taken off the team, signed out): drop the old copy
}

function track(url, work) {
  const done = work.catch(() => {}).finally(() => { if (pending.get(url) === done) pending.delete(url); });
  pending.set(url, done);
  return done;
}

async function navigate(event) {
  const url = pageKey(event.request.url);
  const path = new URL(url).pathname;
  try {
    const response = await fetch(event.request);
    if (path === "/app/login" || path.startsWith("/app/login/")) {
      event.waitUntil(caches.delete(PAGES_CACHE));
    } else if (event.request.method === "GET") {
      event.waitUntil(track(url, remember(url, response.clone())));
    }
    return response;
  } catch (networkFailure) {
    const cache = await caches.open(PAGES_CACHE);
    const hit = await cache.match(url);
    if (hit) return hit;
    return new Response(
      "离线：此页面没有在本设备上打开过，联网后再打开。\nOffline: this page was not opened on this device; open it again when back online.\n",
      { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  }
}

async function asset(request) {
  const path = new URL(request.url).pathname;
  const cache = await caches.open(ASSETS_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(path, response.clone());
    return response;
  } catch (networkFailure) {
    const hit = await cache.match(path);
    if (hit) return hit;
    throw networkFailure;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname === "/api") return;  // never: API answers stay out of every cache
  if (request.mode === "navigate" && url.pathname.startsWith("/app/")) { event.respondWith(navigate(event)); return; }
  if (request.mode === "navigate" && url.pathname === "/app") { event.respondWith(navigate(event)); return; }
  if (ASSETS.includes(url.pathname)) event.respondWith(asset(request));
});

// From a page: "keep me" (the page opened before this worker controlled it, or asks whether its copy is written).
// Answers { kept: true } once the page and the assets are in the cache.
self.addEventListener("message", (event) => {
  const data = event.data || {};
  const port = event.ports && event.ports[0];
  const reply = (value) => { if (port) port.postMessage(value); };
  if (data.type === "keep" && typeof data.url === "string") {
    const url = pageKey(data.url);
    if (new URL(url).origin !== self.location.origin) { reply({ kept: false }); return; }
    event.waitUntil((async () => {
      try {
        await (pending.get(url) || Promise.resolve());
        const pages = await caches.open(PAGES_CACHE);
        if (!(await pages.match(url))) {
          await track(url, (async () => remember(url, await fetch(url, { credentials: "same-origin", cache: "no-store" })))());
        }
        const assets = await caches.open(ASSETS_CACHE);
        for (const a of ASSETS) if (!(await assets.match(a))) await assets.add(a);
        reply({ kept: !!(await pages.match(url)) });
      } catch (e) {
        reply({ kept: false });
      }
    })());
  } else if (data.type === "forget") {
    event.waitUntil((async () => {
      for (const name of await caches.keys()) if (name.startsWith("supervision-")) await caches.delete(name);
      reply({ forgotten: true });
    })());
  }
});
