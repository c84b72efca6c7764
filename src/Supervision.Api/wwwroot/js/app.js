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

  window.Supervision = { api, describeProblem, follow };
})();
