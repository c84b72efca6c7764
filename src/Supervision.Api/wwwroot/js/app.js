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

  // ---- Problems shown to people (RFC 9457 problem details) ---------------------------------------------------------
  // The platform answers in English; the page says it in the page's language. The title comes from the status; the
  // reasons the server gives most often have their own wording here, the rest are shown as sent. A field's reason is
  // shown beside that field (and listed above the form, linked to it) until the field is changed.
  const en = document.documentElement.lang === "en";
  const say = (zh, english) => (en ? english : zh);
  const Titles = {
    400: ["请更正标出的内容", "Please correct what is marked"],
    401: ["登录已失效，请重新登录", "Your session ended; sign in again"],
    403: ["您无权进行此操作", "You may not do this"],
    404: ["找不到该对象（可能已删除，或您无权查看）", "Not found (it may be gone, or hidden from you)"],
    409: ["当前状态不允许此操作", "The current state does not allow this"],
    412: ["内容已被他人修改，请刷新后重试", "Someone else changed it; reload and try again"],
    413: ["文件过大", "The file is too large"],
    422: ["无法按要求处理", "This cannot be done as asked"],
    428: ["缺少版本信息，请刷新后重试", "The version is missing; reload and try again"],
    429: ["请求过于频繁，请稍后再试", "Too many requests; try again shortly"],
    503: ["服务暂时不可用，请稍后重试", "Temporarily unavailable; try again shortly"],
  };
  const Reasons = [
    [/^is required$/, () => "必填"],
    [/^is required \(only whitespace given\)$/, () => "必填（不能只填空白）"],
    [/^is required \(when the check was done\)$/, () => "必填：检查时间"],
    [/^is required, at most (\d+) characters$/, (m) => "必填，最多 " + m[1] + " 个字符"],
    [/^is required, (\d+)-(\d+) characters(?::.*)?$/, (m) => "必填，" + m[1] + "–" + m[2] + " 个字符"],
    [/^must not be only whitespace$/, () => "不能只填空白"],
    [/^must be at most (\d+) characters, got (\d+)$/, (m) => "最多 " + m[1] + " 个字符（现有 " + m[2] + " 个）"],
    [/^must not be in the future$/, () => "不能晚于现在"],
    [/^must not be in the past$/, () => "不能早于今天"],
    [/^choose at least one result code$/, () => "请至少选择一个结果代码"],
    [/^'(.+)' is not a result code$/, (m) => "“" + m[1] + "”不是结果代码"],
    [/^code (\S+) is not allowed for item (\S+); allowed: (.+)$/, (m) => "检查事项 " + m[2] + " 不能使用结果代码 " + m[1] + "（可用：" + m[3] + "）"],
    [/^code (\S+) is chosen twice$/, (m) => "结果代码 " + m[1] + " 选择了两次"],
    [/^no result for item\(s\) (.+)$/, (m) => "以下检查事项还没有结果：" + m[1]],
    [/^'(.+)' is not an item of this inspection$/, (m) => "“" + m[1] + "”不是本次检查的事项"],
    [/^name at least one inspection item$/, () => "请至少选择一个检查事项"],
    [/^must list each item once$/, () => "每个检查事项只能选一次"],
    [/^must be at least 2 \(the legal floor for an enforcement team\)$/, () => "至少 2 人（执法检查的法定最低人数）"],
    [/^must be at least the number of departments, so each has a member on every team$/, () => "不能少于部门数，每个检查组都要有各部门的人员"],
    [/^must be at most (\d+)$/, (m) => "不能超过 " + m[1]],
    [/^must be at least (\d+)(?: when given)?$/, (m) => "不能小于 " + m[1]],
    [/^must be 1-6 digits of a GB\/T 2260 code$/, () => "应为 1–6 位行政区划代码（GB/T 2260）"],
    [/^is not a member of this team$/, () => "不是该检查组的成员"],
    [/^is not a valid date$/, () => "不是有效日期"],
  ];
  function reason(text) {
    if (en || typeof text !== "string") return text;
    for (const [pattern, zh] of Reasons) {
      const m = pattern.exec(text);
      if (m) return zh(m);
    }
    return text;
  }
  const titleOf = (result) => (Titles[result.status] ? say(Titles[result.status][0], Titles[result.status][1])
    : (result.body && result.body.title) || "HTTP " + result.status);

  // A problem details body as one readable line: what went wrong, then (for a refusal) the server's detail, or each field and reason.
  function describeProblem(result) {
    const p = result.body || {};
    const parts = [titleOf(result)];
    if (p.errors) {
      for (const [field, reasons] of Object.entries(p.errors)) parts.push(field + say("：", ": ") + [].concat(reasons).map(reason).join(say("；", "; ")));
    } else if (p.detail) {
      parts.push(reason(p.detail));
    }
    return parts.join(" — ");
  }

  // The control a field key names: data-field="key" first, then an element with that id or name; "items[2].resultCodes[0]"
  // falls back to "items[2].resultCodes", "items[2]", "items". A checkbox or radio stands for its group.
  function fieldFor(root, key) {
    for (let k = key; k;) {
      let el = root.querySelector('[data-field="' + CSS.escape(k) + '"]');
      if (!el && /^[A-Za-z][\w-]*$/.test(k)) el = root.querySelector("#" + k) || root.querySelector('[name="' + k + '"]');
      if (el) return el.type === "checkbox" || el.type === "radio" ? el.closest("fieldset, [role=group]") || el : el;
      const cut = /^(.*)(\[\d+\]|\.[^.[\]]+)$/.exec(k);
      k = cut ? cut[1] : "";
    }
    return null;
  }

  function labelOf(el, key) {
    if (el.dataset.label) return el.dataset.label;
    const byFor = el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]');
    if (byFor) return byFor.textContent.trim();
    const wrapping = el.closest("label");
    if (wrapping && wrapping.firstChild) return wrapping.firstChild.textContent.trim();
    if (el.getAttribute("aria-label")) return el.getAttribute("aria-label");
    const legend = el.matches("fieldset") ? el.querySelector("legend") : null;
    return legend ? legend.textContent.trim() : key;
  }

  // Clears what showProblem marked under root.
  function clearProblems(root) {
    root.querySelectorAll(".field-error").forEach((n) => n.remove());
    root.querySelectorAll("[aria-invalid=true]").forEach((el) => { el.removeAttribute("aria-invalid"); el.removeAttribute("aria-describedby"); });
  }

  let noteSeq = 0;
  // Shows a refusal: in box, its title and (without field errors) its detail; with field errors, a linked list of them,
  // and each reason beside its field under root. Changing a field takes its reason away (and the list with the last).
  function showProblem(root, box, result) {
    clearProblems(root);
    box.textContent = "";
    box.className = "notice bad";
    const p = result.body || {};
    const entries = p.errors ? Object.entries(p.errors) : [];
    if (!entries.length) { box.textContent = describeProblem(result); return; }
    const heading = document.createElement("p");
    const list = document.createElement("ul");
    const count = () => { heading.textContent = titleOf(result) + say("（" + list.children.length + " 处）：", " (" + list.children.length + "):"); };
    box.append(heading, list);
    for (const [key, reasons] of entries) {
      const text = [].concat(reasons).map(reason).join(say("；", "; "));
      const el = fieldFor(root, key);
      const li = document.createElement("li");
      list.appendChild(li);
      if (!el) { li.textContent = key + say("：", ": ") + text; continue; }
      const note = document.createElement("span"); // phrasing content: valid inside a label too
      note.className = "field-error";
      note.id = "field-error-" + (++noteSeq);
      note.dataset.field = "error:" + key;
      note.textContent = text;
      el.insertAdjacentElement("afterend", note);
      el.setAttribute("aria-invalid", "true");
      el.setAttribute("aria-describedby", ((el.getAttribute("aria-describedby") || "") + " " + note.id).trim());
      const link = document.createElement("a");
      link.href = "#" + (el.id || "");
      link.textContent = labelOf(el, key) + say("：", ": ") + text;
      link.addEventListener("click", (e) => {
        e.preventDefault();
        const target = el.matches("input, select, textarea") ? el : el.querySelector("input, select, textarea") || el;
        target.focus();
      });
      li.appendChild(link);
      let cleared = false;
      const clear = () => {
        if (cleared) return;
        cleared = true;
        note.remove();
        el.removeAttribute("aria-invalid");
        li.remove();
        if (!list.children.length) { box.textContent = ""; box.className = ""; } else count();
      };
      el.addEventListener("input", clear);
      el.addEventListener("change", clear);
    }
    count();
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

  window.Supervision = { api, describeProblem, showProblem, clearProblems, follow, offlineReady, forgetDevice };
})();
