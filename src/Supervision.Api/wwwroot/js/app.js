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
  // The platform answers in English; the page says it in the page's language. The title comes from the status; each
  // field error is worded from its machine-readable code and arguments (the problem's "fieldErrors", vocabulary in
  // docs/errors.md); only a code this page does not know falls back to the server's English reason. A field's message is
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
  const joined = (values) => [].concat(values || []).join(say("、", ", "));
  const quoted = (v) => say("“" + v + "”", "'" + v + "'");
  const bytes = (n) => (n >= 1048576 ? Math.round(n / 104857.6) / 10 + " MB" : n >= 1024 ? Math.round(n / 102.4) / 10 + " KB" : n + say(" 字节", " bytes"));
  const Formats = {
    "date": ["日期应写成 年-月-日，如 2026-06-01", "Write the date as yyyy-mm-dd, e.g. 2026-06-01"],
    "instant": ["时间应写成 ISO 8601 格式，如 2026-06-01T08:00:00Z", "Write the time in ISO 8601, e.g. 2026-06-01T08:00:00Z"],
    "time-of-day": ["时间应写成 时:分，如 02:30", "Write the time as hh:mm, e.g. 02:30"],
    "time-span": ["时长应写成 时:分:秒", "Write the duration as hh:mm:ss"],
    "number": ["应为数字", "Must be a number"],
    "decimal": ["应为小数（最多 6 位小数）", "Must be a decimal (at most 6 decimal places)"],
    "boolean": ["应为 true 或 false", "Must be true or false"],
    "digits": ["只能填数字", "Digits only"],
    "division-code": ["应为 6 位行政区划代码（GB/T 2260）", "Must be a 6-digit division code (GB/T 2260)"],
    "industry-code": ["应为国民经济行业代码（GB/T 4754）", "Must be an industry code (GB/T 4754)"],
    "credit-code": ["应为 18 位统一社会信用代码", "Must be an 18-character unified social credit code"],
    "code": ["只能包含字母、数字和“-”，且以字母或数字开头", "Letters, digits and '-' only, starting with a letter or digit"],
    "username": ["3–64 个字符：小写字母、数字、“.”、“_”或“-”", "3–64 characters: a–z, 0–9, '.', '_' or '-'"],
    "sha256": ["应为 64 位十六进制 SHA-256 摘要", "Must be a SHA-256 as 64 hexadecimal characters"],
    "hex": ["应为十六进制字符", "Must be hexadecimal characters"],
    "file-name": ["文件名不能含路径分隔符或控制字符", "A file name without path separators or control characters"],
    "utf-8": ["文件须保存为 UTF-8 编码", "Save the file as UTF-8"],
    "csv": ["不是符合要求的 CSV 文件", "Not a CSV file of the expected form"],
    "cursor": ["分页位置无效，请从第一页重新开始", "Not a valid page position; start again from the first page"],
    "text": ["格式不正确", "Not in the expected form"],
  };
  // Each code's message from its arguments; other(key) gives the label of another field the rule names.
  const Codes = {
    "required": (a) => (a.missing ? say("还缺少：", "Still missing: ") + joined(a.missing) : say("必填", "Required")),
    "whitespace": (a) => (a.value === "only" ? say("不能只填空白", "Must not be only spaces") : say("开头和结尾不能有空白", "Must not start or end with spaces")),
    "characters": (a) => say("含有不允许的字符 " + a.character + "（第 " + a.position + " 个字符）", "Contains a character that is not allowed: " + a.character + " (position " + a.position + ")"),
    "too-long": (a) => say("最多 " + a.max + " 个字符" + (a.actual != null ? "（现有 " + a.actual + " 个）" : ""), "At most " + a.max + " characters" + (a.actual != null ? " (you have " + a.actual + ")" : "")),
    "too-short": (a) => say("至少 " + a.min + " 个字符", "At least " + a.min + " characters"),
    "too-many": (a) => say("最多 " + a.max + " 项" + (a.actual != null ? "（现有 " + a.actual + " 项）" : ""), "At most " + a.max + " entries" + (a.actual != null ? " (there are " + a.actual + ")" : "")),
    "too-few": (a) => (a.min === 1 ? say("请至少选择一项", "Choose at least one") : say("至少 " + a.min + " 项", "At least " + a.min + " entries")),
    "too-large": (a) => say("不能超过 " + bytes(a.max), "Must be at most " + bytes(a.max)),
    "format": (a) => { const f = Formats[a.expected] || Formats.text; return say(f[0], f[1]); },
    "checksum": () => say("校验位不正确，请核对代码", "A check character is wrong; check the code"),
    "unknown-value": (a) => (a.allowed ? say("应为以下之一：", "Must be one of: ") + joined(a.allowed) : say(quoted(a.value) + "不是有效的值", quoted(a.value) + " is not a known value")),
    "not-found": (a) => (a.value ? say("找不到" + quoted(a.value), quoted(a.value) + " was not found") : say("找不到该对象", "Not found")),
    "not-allowed": (a) => say("此处不能使用" + (a.value ? quoted(a.value) : "该值") + (a.allowed ? "（可用：" + joined(a.allowed) + "）" : ""),
      (a.value ? quoted(a.value) : "This value") + " is not allowed here" + (a.allowed ? " (allowed: " + joined(a.allowed) + ")" : "")),
    "out-of-range": (a) => (a.min != null && a.max != null ? say("应在 " + a.min + " 到 " + a.max + " 之间", "Must be between " + a.min + " and " + a.max)
      : a.min != null ? say("不能小于 " + a.min, "Must be at least " + a.min)
      : a.max != null ? say("不能大于 " + a.max, "Must be at most " + a.max)
      : say("必须大于 " + a.above, "Must be greater than " + a.above)),
    "too-early": (a, other) => (a.other ? say("不能早于" + quoted(other(a.other)), "Must not be before " + quoted(other(a.other)))
      : a.limit ? say("不能早于 " + a.limit, "Must not be before " + a.limit) : say("必须是将来的时间", "Must be in the future")),
    "too-late": (a) => (a.limit ? say("不能晚于 " + a.limit, "Must not be after " + a.limit) : say("不能晚于现在", "Must not be in the future")),
    "mismatch": () => say("与已有内容不一致", "Does not match"),
    "duplicate": (a) => (a.value ? say(quoted(a.value) + "重复了", quoted(a.value) + " is given twice or exists already") : say("重复了", "Given twice or exists already")),
    "conflict": () => say("与其他选项不能同时使用", "Cannot be combined with the other choices"),
    "cannot-change": () => say("创建后不能修改", "Cannot change once created"),
    "unchanged": () => say("与原内容相同，请修改后再提交", "Must differ from what is there"),
    "state": () => say("当前状态下不能这样做", "Not possible in the current state"),
    "unreadable": () => say("无法读取，请检查格式", "Could not be read; check the format"),
  };
  // One coded error ({field, code, reason, args}) in the page's words; an unknown code keeps the server's reason.
  function messageOf(error, other) {
    const word = Codes[error.code];
    return word ? word(error.args || {}, other || ((k) => k)) : error.reason;
  }
  // The problem's errors as [field, [message…]] in order: from "fieldErrors" where the server sent them, else "errors" as sent.
  function fieldMessages(body, other) {
    const byField = new Map();
    if (Array.isArray(body.fieldErrors) && body.fieldErrors.length) {
      for (const e of body.fieldErrors) {
        if (!byField.has(e.field)) byField.set(e.field, []);
        byField.get(e.field).push(messageOf(e, other));
      }
    } else if (body.errors) {
      for (const [field, reasons] of Object.entries(body.errors)) byField.set(field, [].concat(reasons));
    }
    return [...byField.entries()];
  }
  const titleOf = (result) => (Titles[result.status] ? say(Titles[result.status][0], Titles[result.status][1])
    : (result.body && result.body.title) || "HTTP " + result.status);

  // A problem details body as one readable line: what went wrong, then (for a refusal) the server's detail, or each field and its message.
  function describeProblem(result) {
    const p = result.body || {};
    const parts = [titleOf(result)];
    const fields = fieldMessages(p);
    if (fields.length) {
      for (const [field, messages] of fields) parts.push(field + say("：", ": ") + messages.join(say("；", "; ")));
    } else if (p.detail) {
      parts.push(p.detail);
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
    const other = (k) => { const el = fieldFor(root, k); return el ? labelOf(el, k) : k; };
    const entries = fieldMessages(p, other);
    if (!entries.length) { box.textContent = describeProblem(result); return; }
    const heading = document.createElement("p");
    const list = document.createElement("ul");
    const count = () => { heading.textContent = titleOf(result) + say("（" + list.children.length + " 处）：", " (" + list.children.length + "):"); };
    box.append(heading, list);
    for (const [key, messages] of entries) {
      const text = messages.join(say("；", "; "));
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

  window.Supervision = { api, describeProblem, showProblem, clearProblems, messageOf, follow, offlineReady, forgetDevice };
})();
