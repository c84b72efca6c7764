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
    return { ok: response.ok, status: response.status, body: data, etag: response.headers.get("ETag") };
  }

  // A problem details body as one readable line: its title, then each field and reason.
  function describeProblem(result) {
    const p = result.body || {};
    const parts = [p.title || ("HTTP " + result.status)];
    if (p.detail) parts.push(p.detail);
    if (p.errors) for (const [field, reasons] of Object.entries(p.errors)) parts.push(field + ": " + [].concat(reasons).join("; "));
    return parts.join(" — ");
  }

  window.Supervision = { api, describeProblem };
})();
