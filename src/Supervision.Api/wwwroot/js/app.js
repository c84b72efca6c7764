// Supervision workbench: one small helper for calling the platform's JSON API from the pages.
// The session cookie authenticates; unsafe calls carry the page's antiforgery token.
(function () {
  "use strict";
  const tokenMeta = document.querySelector('meta[name="request-verification-token"]');

  async function api(method, url, options) {
    options = options || {};
    const headers = { "Accept": "application/json" };
    if (tokenMeta && method !== "GET") headers["RequestVerificationToken"] = tokenMeta.content;
    if (options.ifMatch) headers["If-Match"] = options.ifMatch;
    if (options.idempotencyKey) headers["Idempotency-Key"] = options.idempotencyKey;
    let body;
    if (options.raw !== undefined) {
      body = options.raw;
      if (options.contentType) headers["Content-Type"] = options.contentType;
    } else if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers["Content-Type"] = "application/json";
    }
    let response;
    try {
      response = await fetch(url, { method, headers, body, credentials: "same-origin" });
    } catch (e) {
      return { ok: false, status: 0, networkError: true, body: null, etag: null };
    }
    const type = response.headers.get("Content-Type") || "";
    const data = type.includes("json") ? await response.json().catch(() => null) : null;
    return { ok: response.ok, status: response.status, body: data, etag: response.headers.get("ETag"), location: response.headers.get("Location") };
  }

  // A problem details body as one readable line: its title, then each field and reason.
  function describeProblem(result) {
    const p = result.body || {};
    const parts = [p.title || ("HTTP " + result.status)];
    if (p.detail) parts.push(p.detail);
    if (p.errors) for (const [field, reasons] of Object.entries(p.errors)) parts.push(field + ": " + [].concat(reasons).join("; "));
    return parts.join(" — ");
  }

  // A long operation (freeze, draw, dispatch) answered 202: follow it until it ends, telling onProgress where it is.
  // Resolves to the operation's end as an api() result: ok with the operation, or not ok with its problem.
  async function follow(accepted, onProgress) {
    let view = accepted.body;
    const url = (view && view.links && view.links.self) || accepted.location;
    let misses = 0;
    while (view && view.state === "running") {
      if (onProgress) onProgress(view);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const next = await api("GET", url);
      if (next.ok) { view = next.body; misses = 0; }
      else if (next.status === 0 || next.status === 503) { if (++misses > 120) return next; }
      else return next;
    }
    if (view && view.state === "failed") return { ok: false, status: (view.problem && view.problem.status) || 500, body: view.problem, etag: null };
    return { ok: true, status: 200, body: view, etag: null };
  }

  // ---- Offline: the service worker (wwwroot/sw.js) and signing out -----------------------------------------------
  // Pages the server marks as the inspector's own (body data-offline="keep") ask the worker to keep a copy; once it
  // is written the body says data-offline="ready". Scope /app: the public portal is never controlled.
  const offlineReady = (async function registerWorker() {
    if (!("serviceWorker" in navigator) || !window.isSecureContext) return false;
    try {
      await navigator.serviceWorker.register("/sw.js", { scope: "/app" });
    } catch (e) {
      return false;
    }
    if (document.body.dataset.offline !== "keep") return false;
    const registration = await navigator.serviceWorker.ready;
    const worker = navigator.serviceWorker.controller || registration.active;
    if (!worker) return false;
    const answer = await new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = (e) => resolve(e.data || {});
      worker.postMessage({ type: "keep", url: location.href }, [channel.port2]);
    });
    if (answer.kept) document.body.dataset.offline = "ready";
    return !!answer.kept;
  })();

  // Work typed or queued on this device and not yet on the server: drafts, queued saves, signatures and submits.
  const unsentKeys = () => Object.keys(localStorage).filter((k) => /^supervision\.(draft|outbox|submit):/.test(k));

  // Everything this device kept for the signed-in user: the worker's caches and the local copies of inspections.
  async function forgetDevice() {
    Object.keys(localStorage).filter((k) => k.startsWith("supervision.")).forEach((k) => localStorage.removeItem(k));
    // The receipts of the last actions (workbench.js) name the user and their keys: they go too.
    Object.keys(sessionStorage).filter((k) => k.startsWith("supervision.receipt:")).forEach((k) => sessionStorage.removeItem(k));
    if (window.caches) {
      for (const name of await caches.keys()) if (name.startsWith("supervision-")) await caches.delete(name);
    }
  }

  const signOut = document.querySelector("form[action='/app/logout']");
  if (signOut) {
    signOut.addEventListener("submit", async (e) => {
      if (signOut.dataset.cleared === "true") return;
      e.preventDefault();
      const unsent = unsentKeys().length;
      const en = document.documentElement.lang === "en";
      if (unsent > 0 && !confirm(en
        ? "This device holds " + unsent + " change(s) not yet sent to the server. Signing out deletes them. Sign out anyway?"
        : "本设备上有 " + unsent + " 项尚未发送到服务器的内容，退出登录会将其删除。仍要退出吗？")) return;
      await forgetDevice().catch(() => {});
      signOut.dataset.cleared = "true";
      signOut.submit();
    });
  }

  window.Supervision = { api, describeProblem, follow, offlineReady, forgetDevice };
})();
