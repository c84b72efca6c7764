// Supervision workbench pages: task form and preview, task actions, the draw ceremony, the inspection form (local
// autosave, 412 handling, safe submit), review buttons, record editors and the import progress bar.
// Plain browser JavaScript on top of Supervision.api (app.js); no build step, nothing fetched from elsewhere.
(function () {
  "use strict";
  const S = window.Supervision;
  const en = document.documentElement.lang === "en";
  const t = (zh, english) => (en ? english : zh);
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  function show(box, text, kind) {
    if (!box) return;
    box.textContent = text || "";
    box.className = text ? "notice " + (kind || "") : "";
  }

  function failure(result) {
    if (result.networkError) return t("网络连接失败，请检查网络后重试。", "The network failed. Check the connection and retry.");
    return S.describeProblem(result);
  }

  const stateNames = {
    Assigned: ["已派发", "Assigned"], Draft: ["草稿", "Draft"], Signed: ["已签名", "Signed"], Submitted: ["已提交", "Submitted"],
    UnderReview: ["审核中", "Under review"], Returned: ["已退回", "Returned"], Approved: ["已审核", "Approved"], Published: ["已公示", "Published"],
  };
  const stateName = (s) => (stateNames[s] ? t(stateNames[s][0], stateNames[s][1]) : s);

  // ---- Receipts: what was just done to an inspection, kept over the page's reload --------------------------------
  // Submit, approve, return and publish write "supervision.receipt:{inspectionId}" in sessionStorage and reload; the
  // reloaded page shows it (#receipt, once: it leaves the storage as it is shown) until it is dismissed or the user
  // moves on. A submit's receipt carries the Idempotency-Key the server answered with, which names that submission.
  const receiptKey = (id) => "supervision.receipt:" + id;
  const ReceiptTitles = {
    submit: ["已提交", "Submitted"], approve: ["已审核通过", "Approved"], return: ["已退回检查组", "Returned to the team"], publish: ["已公示", "Published"],
  };

  function renderReceipt(box, r) {
    const title = ReceiptTitles[r.action] ? t(ReceiptTitles[r.action][0], ReceiptTitles[r.action][1]) : r.action;
    $("#receipt-title", box).textContent = title + (r.version ? t("：第 " + r.version + " 版", ": version " + r.version) : "");
    const dl = $("dl", box);
    dl.textContent = "";
    const row = (label, value, testid, mono) => {
      if (value === undefined || value === null || value === "") return;
      const dt = document.createElement("dt");
      dt.textContent = label;
      const dd = document.createElement("dd");
      dd.textContent = value;
      if (testid) dd.dataset.testid = testid;
      if (mono) dd.className = "mono";
      dl.append(dt, dd);
    };
    row(t("版本", "Version"), r.version ? "v" + r.version : "", "receipt-version");
    row(t("时间", "When"), r.at ? new Date(r.at).toLocaleString(en ? "en-GB" : "zh-CN") : "", "receipt-at");
    row(t("操作人", "By"), r.by);
    row(t("审核部门", "For department"), r.department);
    row(t("退回理由", "Reason"), r.reason);
    row(t("当前状态", "State now"), r.state ? stateName(r.state) : "", "receipt-state");
    row(r.action === "submit" ? t("回执编号（幂等键）", "Receipt (Idempotency-Key)") : t("操作编号（幂等键）", "Action key (Idempotency-Key)"), r.key, "receipt-key", true);
    const actions = $(".actions", box);
    $$("[data-testid=receipt-next]", actions).forEach((a) => a.remove());
    const next = r.action !== "submit" && $("#next-in-queue");
    if (next) {
      const a = document.createElement("a");
      a.href = next.href;
      a.className = "button primary";
      a.dataset.testid = "receipt-next";
      a.textContent = next.textContent;
      actions.prepend(a);
    }
    box.hidden = false;
  }

  // Called by an action that succeeded, just before the page reloads: shown at once and again by the reloaded page.
  function keepReceipt(id, r) {
    try { sessionStorage.setItem(receiptKey(id), JSON.stringify(r)); } catch (e) { /* storage refused: shown until the reload only */ }
    const box = $("#receipt");
    if (box) renderReceipt(box, r);
  }

  function receipt(box) {
    const key = receiptKey(box.dataset.receiptFor);
    let kept = null;
    try { kept = JSON.parse(sessionStorage.getItem(key) || "null"); } catch (e) { kept = null; }
    sessionStorage.removeItem(key);
    $("#receipt-dismiss", box).addEventListener("click", () => { box.hidden = true; sessionStorage.removeItem(key); });
    if (!kept) return;
    renderReceipt(box, kept);
    box.focus();
  }

  const splitList = (value) => (value || "").split(/[,，\s]+/).map((s) => s.trim()).filter(Boolean);

  // ---- New task: preview and create ------------------------------------------------------------------------------
  function taskForm(form) {
    const message = $("#form-message", form);
    const mode = $("#mode", form);
    function syncMode() {
      const pareto = mode.value === "pareto";
      $$(".pareto", form).forEach((el) => (el.hidden = !pareto));
      $$(".strat", form).forEach((el) => (el.hidden = pareto));
    }
    mode.addEventListener("change", syncMode);
    syncMode();
    // A refusal names its fields: each reason beside its field, the list above the buttons.
    const problem = (result) => (result.networkError ? show(message, failure(result), "bad") : S.showProblem(form, message, result));

    function draft() {
      const value = (name) => { const el = form.elements[name]; return el && el.value.trim() !== "" ? el.value.trim() : null; };
      const number = (name) => (value(name) === null ? null : Number(value(name)));
      const classes = $$('input[name="class"]', form).map((c) => c.value);
      const sampling = { mode: mode.value };
      if (mode.value === "pareto") {
        sampling.total = number("total");
        const weights = {};
        classes.forEach((c) => { const w = value("weight-" + c); if (w) weights[c] = w; });
        sampling.weights = weights;
      } else {
        sampling.classes = classes
          .map((c) => ({ creditClass: c, count: number("count-" + c), ratio: value("ratio-" + c) }))
          .filter((q) => q.count !== null || q.ratio !== null);
      }
      return {
        name: value("name"),
        leadDepartment: $("#leadDepartment", form).value,
        participatingDepartments: splitList(value("participatingDepartments")),
        items: $$('input[name="items"]:checked', form).map((c) => c.value),
        filter: {
          divisionPrefix: value("divisionPrefix"),
          industryPrefixes: splitList(value("industryPrefixes")),
          entityTypes: splitList(value("entityTypes")),
          creditClasses: classes,
        },
        sampling,
        teamSize: number("teamSize"),
        deadline: value("deadline"),
        yearlyCap: number("yearlyCap"),
        workloadCap: number("workloadCap"),
        plan: value("planId") ? { planId: value("planId"), line: number("planLine") } : null,
        beacon: value("beaconSource") || value("beaconRound") || value("beaconAt")
          ? { source: value("beaconSource") || "", round: value("beaconRound") || "", expectedAt: value("beaconAt") ? new Date(value("beaconAt")).toISOString() : undefined }
          : null,
      };
    }

    $("#preview", form).addEventListener("click", async () => {
      show(message, t("正在计算…", "Counting…"));
      const result = await S.api("POST", "/api/tasks/preview", { json: draft() });
      if (!result.ok) { problem(result); return; }
      S.clearProblems(form);
      show(message, "");
      const box = $("#preview-result", form);
      const body = $("tbody", box);
      body.textContent = "";
      for (const c of result.body.classes) {
        const tr = document.createElement("tr");
        [c.creditClass, c.rule, c.population, c.expectedSample].forEach((v) => { const td = document.createElement("td"); td.textContent = v; tr.appendChild(td); });
        body.appendChild(tr);
      }
      const total = document.createElement("tr");
      // The total row is headed by its first cell only; the others are data (an empty header cell names nothing).
      [t("合计", "Total"), "", result.body.population, result.body.expectedSample].forEach((v, i) => {
        const cell = document.createElement(i === 0 ? "th" : "td");
        if (i === 0) cell.scope = "row";
        cell.textContent = v;
        total.appendChild(cell);
      });
      body.appendChild(total);
      const scope = $("#preview-scope", box);
      scope.textContent = "";
      for (const s of result.body.scope || []) {
        const li = document.createElement("li");
        const parts = [];
        if (s.entityTypes.length) parts.push(t("主体类型 ", "entity types ") + s.entityTypes.join(", "));
        if (s.industryPrefixes.length) parts.push(t("行业 ", "industries ") + s.industryPrefixes.join(", "));
        li.textContent = s.item + ": " + parts.join("; ");
        scope.appendChild(li);
      }
      $("#preview-scope-box", box).hidden = !(result.body.scope || []).length;
      const staffing = $("#preview-staffing", box);
      staffing.textContent = "";
      for (const problem of result.body.staffing || []) {
        const li = document.createElement("li");
        li.textContent = problem;
        staffing.appendChild(li);
      }
      $("#preview-staffing-box", box).hidden = !(result.body.staffing || []).length;
      box.hidden = false;
    });

    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const button = $("#create", form);
      button.disabled = true;
      const result = await S.api("POST", "/api/tasks", { json: draft() });
      button.disabled = false;
      if (!result.ok) { problem(result); return; }
      location.href = "/app/tasks/" + encodeURIComponent(result.body.id);
    });
  }

  // ---- Task actions and the ceremony -----------------------------------------------------------------------------
  // Steps that cannot be taken back ask first, naming what will happen.
  const Irreversible = {
    publish: () => t("发布后任务将向社会公开，且不能撤回。确定发布？", "Publishing makes the task public; it cannot be withdrawn. Publish it?"),
    freeze: () => t("冻结后抽取名单不再改变，其哈希值和承诺值将公开。确定冻结？", "Freezing fixes the population for good and publishes its hash and the commitment. Freeze it?"),
    "draw/entities": () => t("抽取检查对象：结果一经提交即公开，不能重抽。确定开始抽取？", "Draw the entities: the result is committed and public at once, and cannot be drawn again. Run the draw?"),
    "draw/inspectors": () => t("抽取检查组：结果一经提交即公开，不能重抽。确定抽取？", "Draw the teams: the result is committed and public at once, and cannot be drawn again. Draw the teams?"),
    dispatch: () => t("派发后各检查组将收到通知并开始检查。确定派发？", "Dispatching notifies every team, who then start their inspections. Dispatch?"),
    "ceremony/close": () => t("截止后不再接受新的承诺，见证人开始揭示。确定截止？", "After the close no commitment is taken and the witnesses reveal. Close the commitments?"),
  };

  const Phases = {
    queued: ["排队中", "queued"], started: ["已开始", "started"], snapshot: ["生成名单快照", "taking the population snapshot"],
    census: ["读取分层统计", "reading the census"], scan: ["扫描分区", "scanning partitions"], commit: ["提交结果", "committing"],
    pool: ["读取检查人员名录", "reading the inspector pool"], retrying: ["暂时不可用，正在重试", "temporarily unavailable, retrying"],
  };

  // "Working… scanning partitions 3/8 (attempt 2)": where a running operation is.
  function progressText(op) {
    const p = op.progress || {};
    const phase = Phases[p.phase] ? t(Phases[p.phase][0], Phases[p.phase][1]) : (p.phase || "");
    const count = p.total > 0 ? " " + p.done + "/" + p.total : "";
    const attempt = op.attempts > 1 ? t("（第 " + op.attempts + " 次尝试）", " (attempt " + op.attempts + ")") : "";
    return t("处理中：", "Working: ") + phase + count + attempt;
  }

  function taskActions(root) {
    const id = root.dataset.task;
    const message = $("#task-message");
    $$("[data-action]", root).forEach((button) => button.addEventListener("click", async () => {
      const action = button.dataset.action;
      let options = {};
      let path = action;
      if (action === "cancel") {
        const reason = prompt(t("取消理由", "Reason for cancelling"));
        if (!reason) return;
        options = { json: { reason } };
      } else if (action === "cancel-approve") {
        if (!confirm(t("批准后任务即取消（如申请重新抽取，将按同一计划新建草稿），不能撤回。确定批准？", "Approving cancels the task (and, for a redraw, plans it again as a new draft); it cannot be undone. Approve?"))) return;
        path = "cancel-requests/decision";
        options = { json: { decision: "approve" } };
      } else if (action === "cancel-reject") {
        const note = prompt(t("驳回理由", "Why the draw goes on"));
        if (!note) return;
        path = "cancel-requests/decision";
        options = { json: { decision: "reject", note } };
      } else if (Irreversible[action] && !confirm(Irreversible[action]())) {
        return;
      } else if (action === "participation-accept") {
        path = "participation";
        options = { json: { department: root.dataset.department, decision: "accept" } };
      } else if (action === "participation-decline") {
        const reason = prompt(t("拒绝理由", "Reason for declining"));
        if (!reason) return;
        path = "participation";
        options = { json: { department: root.dataset.department, decision: "decline", reason } };
      }
      button.disabled = true;
      show(message, t("处理中…", "Working…"));
      let result = await S.api("POST", "/api/tasks/" + encodeURIComponent(id) + "/" + path, options);
      // Freeze, the draws and dispatch run as operations: still running after a few seconds, they answer 202 and are followed here.
      if (result.status === 202) result = await S.follow(result, (op) => show(message, progressText(op)));
      if (!result.ok) { button.disabled = false; show(message, failure(result), "bad"); return; }
      location.reload();
    }));
  }

  function ceremony(root) {
    taskActions(root);
    // An operation already running when the page opened (started here or elsewhere): follow it, then show its outcome.
    if (root.dataset.operation) {
      const message = $("#task-message");
      S.follow({ body: { state: "running", links: { self: root.dataset.operation } } }, (op) => show(message, progressText(op)))
        .then((result) => { if (result.ok) location.reload(); else show(message, failure(result), "bad"); });
    }
    // Presentation mode: only the ceremony, in large type (site.css hides the header and its navigation). The toggle stays
    // on screen to leave it, and so does the Escape key.
    const toggle = $("#present-toggle", root);
    const apply = (on) => {
      document.body.classList.toggle("present", on);
      toggle.setAttribute("aria-pressed", on ? "true" : "false");
      toggle.textContent = on ? t("退出投影模式（Esc）", "Leave presentation mode (Esc)") : t("投影模式", "Presentation mode");
      sessionStorage.setItem("supervision.present", on ? "1" : "0");
    };
    apply(sessionStorage.getItem("supervision.present") === "1");
    toggle.addEventListener("click", () => apply(!document.body.classList.contains("present")));
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && document.body.classList.contains("present")) { apply(false); toggle.focus(); }
    });
    const beacon = $("#beacon-form", root);
    if (beacon) {
      beacon.addEventListener("submit", async (e) => {
        e.preventDefault();
        if (!confirm(t("公开随机数只能记录一次，记录后揭示结束、种子确定。确定记录？", "The beacon value is recorded once; it ends the reveals and fixes the seed. Record it?"))) return;
        const result = await S.api("POST", "/api/tasks/" + encodeURIComponent(root.dataset.task) + "/beacon", { json: { value: $("#beacon-value", beacon).value } });
        if (!result.ok) { show($("#task-message"), failure(result), "bad"); return; }
        location.reload();
      });
    }
    const form = $("#entropy-form", root);
    if (form) {
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        const result = await S.api("POST", "/api/tasks/" + encodeURIComponent(root.dataset.task) + "/entropy",
          { json: { witness: $("#witness", form).value, value: $("#entropy", form).value } });
        if (!result.ok) { show($("#task-message"), failure(result), "bad"); return; }
        location.reload();
      });
    }
  }

  // ---- Asking to end a task whose draw has begun (approved by a second person) ------------------------------------
  function cancelRequest(form) {
    const redraw = $("#cancel-redraw", form);
    const beacon = $("#redraw-beacon", form);
    redraw.addEventListener("change", () => { beacon.hidden = !redraw.checked; });
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const at = $("#redraw-at", form).value;
      const body = { reason: $("#cancel-reason", form).value, redraw: redraw.checked };
      if (redraw.checked) body.beacon = { source: $("#redraw-source", form).value, round: $("#redraw-round", form).value, expectedAt: at ? new Date(at).toISOString() : undefined };
      const result = await S.api("POST", "/api/tasks/" + encodeURIComponent(form.dataset.task) + "/cancel-requests", { json: body });
      if (!result.ok) { show($("#task-message"), failure(result), "bad"); return; }
      location.reload();
    });
  }

  // ---- Replacing a team member by the draw's rule (draw-spec §8.1): nobody picks the newcomer ---------------------------
  function replaceMember(form) {
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const [memberId, certificateNo] = $("#replace-member", form).value.split("|");
      if (!confirm(t("更换记录将公开，不能撤回。确定更换？", "The replacement is published and cannot be undone. Replace?"))) return;
      const result = await S.api("POST", "/api/tasks/" + encodeURIComponent(form.dataset.task) + "/teams/replacements",
        { json: { memberId, certificateNo, reason: $("#replace-reason", form).value } });
      if (!result.ok) { show($("#task-message"), failure(result), "bad"); return; }
      location.reload();
    });
  }

  // ---- Recusal requests: the lead department accepts (the draw's rule replaces the inspector) or rejects with a reason --
  function recusalDecision(form) {
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const decision = e.submitter ? e.submitter.dataset.decision : "reject";
      if (decision === "accept" && !confirm(t("同意后将按规则更换该检查人员，更换记录公开，不能撤回。确定同意？",
        "Accepting replaces the inspector by the rule; the replacement is published and cannot be undone. Accept?"))) return;
      const result = await S.api("POST", "/api/recusals/" + encodeURIComponent(form.dataset.id) + "/decision",
        { json: { decision, reason: $("textarea[name=reason]", form).value } });
      if (!result.ok) { show($("#recusal-message"), failure(result), "bad"); return; }
      location.reload();
    });
  }

  // ---- The abnormal-operations list and the follow-up cases: each form posts its named fields (and the pressed button's)
  // to its own route; a refusal is shown in the page's message area ----
  function postForm(form, message) {
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const json = {};
      $$("input[name], textarea[name], select[name]", form).forEach((el) => { if (el.value !== "") json[el.name] = el.value; });
      if (e.submitter && e.submitter.name) json[e.submitter.name] = e.submitter.value;
      const result = await S.api("POST", form.dataset.url, { json });
      if (!result.ok) { show($(message), failure(result), "bad"); return; }
      location.reload();
    });
  }

  // ---- A witness's part of the seed ceremony (draw-spec §3.3) -----------------------------------------------------
  // The contribution and a nonce made here stay in this browser ("supervision.witness:{task}") and on the witness's
  // note until the reveal; the platform gets only SHA256(LP("supervision/witness/v1") || LP(task) || LP(value) || LP(nonce)).
  function witness(root) {
    const V = window.SupervisionVerify;
    const task = root.dataset.task;
    const key = "supervision.witness:" + task;
    const message = $("#task-message");
    const kept = () => { try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; } };
    function note(saved) {
      if (!saved) return;
      $("#note-value").textContent = saved.value;
      $("#note-nonce").textContent = saved.nonce;
      $("#witness-note").hidden = false;
    }
    const commitForm = $("#commit-form", root);
    if (commitForm) {
      commitForm.addEventListener("submit", async (e) => {
        e.preventDefault();
        const value = $("#contribution", commitForm).value;
        const nonce = V.hex(crypto.getRandomValues(new Uint8Array(32)));
        const parts = [V.lp("supervision/witness/v1"), V.lp(task), V.lp(value), V.lp(nonce)];
        const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        parts.reduce((at, p) => { bytes.set(p, at); return at + p.length; }, 0);
        const commitment = V.hex(await V.sha256(bytes));
        const saved = { value, nonce, commitment };
        localStorage.setItem(key, JSON.stringify(saved));
        note(saved);
        const result = await S.api("POST", "/api/tasks/" + encodeURIComponent(task) + "/ceremony/commitments", { json: { commitment } });
        if (!result.ok) { show(message, failure(result), "bad"); return; }
        show(message, t("承诺已提交。请记下上面的随机数和随机串，截止后用它们揭示。", "Committed. Note down the contribution and the nonce above: you reveal with them after the close."), "ok");
        commitForm.hidden = true;
      });
    }
    const revealForm = $("#reveal-form", root);
    if (revealForm) {
      const saved = kept();
      if (saved && saved.commitment === revealForm.dataset.commitment) {
        $("#reveal-value", revealForm).value = saved.value;
        $("#reveal-nonce", revealForm).value = saved.nonce;
      }
      revealForm.addEventListener("submit", async (e) => {
        e.preventDefault();
        const result = await S.api("POST", "/api/tasks/" + encodeURIComponent(task) + "/ceremony/reveals",
          { json: { value: $("#reveal-value", revealForm).value, nonce: $("#reveal-nonce", revealForm).value.trim().toLowerCase() } });
        if (!result.ok) { show(message, failure(result), "bad"); return; }
        localStorage.removeItem(key);
        location.reload();
      });
    } else if (!commitForm) {
      note(kept());
    }
  }

  // ---- The inspection form -------------------------------------------------------------------------------------
  // Local copies: "supervision.draft:{id}@{revision}" holds what was typed on top of that server revision, until the
  // server accepts it; "supervision.view:{id}" the last server view, so the form opens without a network;
  // "supervision.submit:{id}" the idempotency key of the submit attempt in progress, reused by every retry;
  // "supervision.outbox:{id}" a save or a signature asked for while the network was down ({save, sign, at}).
  // Queued work (the outbox and a kept submit key) is sent by sendQueued(): when the page opens, when the browser says
  // it is online again, from the Retry button and every few seconds while anything waits. Every send is safe to
  // repeat: a save carries If-Match (the revision it was typed on), a submit its kept Idempotency-Key, signing twice
  // changes nothing.
  function inspectionForm(root) {
    const id = root.dataset.id;
    const url = root.dataset.url;
    const me = root.dataset.user;
    const codeNames = JSON.parse(root.dataset.codes || "{}");
    const names = JSON.parse(root.dataset.names || "{}");
    const methodNames = { OnSite: t("现场检查", "on site"), Written: t("书面检查", "in writing"), Online: t("网络检查", "online") };
    const status = $("#form-status", root);
    const message = $("#form-message", root);
    const itemsBox = $("#items", root);
    const retry = $("#retry", root);
    const draftPrefix = "supervision.draft:" + id + "@";
    const viewKey = "supervision.view:" + id;
    const submitKey = "supervision.submit:" + id;
    const outboxKey = "supervision.outbox:" + id;
    const sentNote = "supervision.sent:" + id;
    const sync = $("#sync-state", root);
    let view = null;
    let revision = null;
    let lastRetry = null;
    let sending = false;

    const readOutbox = () => { try { return JSON.parse(localStorage.getItem(outboxKey) || "null") || {}; } catch (e) { return {}; } };
    function enqueue(what) {
      const o = readOutbox();
      o[what] = true;
      o.at = new Date().toISOString();
      localStorage.setItem(outboxKey, JSON.stringify(o));
    }
    function dequeue(what) {
      const o = readOutbox();
      delete o[what];
      if (o.save || o.sign) localStorage.setItem(outboxKey, JSON.stringify(o)); else localStorage.removeItem(outboxKey);
    }
    const queued = () => { const o = readOutbox(); return !!(o.save || o.sign || localStorage.getItem(submitKey)); };

    // The line that says where the inspector's last action is: kept on this device, being sent, sent, or not sent.
    function setSync(state, detail) {
      const time = new Date().toLocaleTimeString();
      const texts = {
        queued: t("已保存在本设备，联网后将自动发送。", "Saved on this device, will be sent when the network is back."),
        sending: t("正在发送本设备上保存的内容…", "Sending what was saved on this device…"),
        sent: t("已发送到服务器（", "Sent to the server (") + time + t("）。", ")."),
        conflict: t("未发送：服务器上的记录已被修改（", "Not sent: the record changed on the server (") + (detail || "") + t("），请看上方的说明。", "); see the message above."),
        refused: t("未发送：服务器拒绝了此操作，请看上方的说明。", "Not sent: the server refused it; see the message above."),
      };
      sync.dataset.state = state || "";
      sync.textContent = state ? texts[state] : "";
      sync.className = state ? "notice sync " + ({ queued: "warn", sending: "", sent: "ok", conflict: "bad", refused: "bad" })[state] : "sync";
      sync.hidden = !state;
    }

    const localDrafts = () => Object.keys(localStorage).filter((k) => k.startsWith(draftPrefix))
      .map((k) => ({ key: k, revision: Number(k.slice(draftPrefix.length)), value: JSON.parse(localStorage.getItem(k)) }))
      .sort((a, b) => b.revision - a.revision);
    const clearDrafts = () => localDrafts().forEach((d) => localStorage.removeItem(d.key));

    function toLocalInput(iso) {
      if (!iso) return "";
      const d = new Date(iso);
      const pad = (n) => String(n).padStart(2, "0");
      return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" + pad(d.getMinutes());
    }

    function render(items, results) {
      itemsBox.textContent = "";
      items.forEach((item, index) => {
        const r = results.find((x) => x.itemCode === item.itemCode) || { resultCodes: [], evidence: [] };
        const fs = document.createElement("fieldset");
        fs.className = "card";
        fs.dataset.item = item.itemCode;
        fs.dataset.field = "items[" + index + "]";
        fs.innerHTML =
          '<legend><strong></strong> <span class="mono muted"></span> <span class="muted"></span></legend>' +
          '<div class="codes" role="group"></div>' +
          '<label>' + t("情况说明", "Findings") + '<textarea name="findings" maxlength="4000"></textarea></label>' +
          '<div class="row"><label>' + t("检查时间", "Visited at") + '<input name="visitedAt" type="datetime-local"></label>' +
          (item.method === "OnSite" ? '<label>' + t("检查地点", "Place") + '<input name="visitPlace" maxlength="500"></label>' : "") + "</div>" +
          '<label>' + t("照片或文件", "Photo or file") + '<input name="evidence" type="file" accept="image/*,application/pdf,video/mp4,audio/*" capture="environment"></label>' +
          '<ul class="evidence-list"></ul>';
        // Names, not codes: the item, its department and how it is checked, in the page's words (the code stays, small).
        $("legend strong", fs).textContent = (names.items || {})[item.itemCode] || item.itemCode;
        $("legend .mono", fs).textContent = item.itemCode;
        $("legend .muted:not(.mono)", fs).textContent = ((names.departments || {})[item.departmentCode] || item.departmentCode) + " · " + (methodNames[item.method] || item.method);
        const codes = $(".codes", fs);
        codes.dataset.field = "items[" + index + "].resultCodes";
        $('textarea[name="findings"]', fs).dataset.field = "items[" + index + "].findings";
        $('input[name="visitedAt"]', fs).dataset.field = "items[" + index + "].visitedAt";
        if (item.method === "OnSite") $('input[name="visitPlace"]', fs).dataset.field = "items[" + index + "].visitPlace";
        $('input[name="evidence"]', fs).dataset.field = "items[" + index + "].evidence";
        codes.setAttribute("aria-label", t("检查结果代码", "Result codes") + " " + item.itemCode);
        item.allowedResultCodes.forEach((code) => {
          const label = document.createElement("label");
          const box = document.createElement("input");
          box.type = "checkbox";
          box.name = "code";
          box.value = code;
          box.checked = (r.resultCodes || []).includes(code);
          label.appendChild(box);
          label.appendChild(document.createTextNode(code + " " + (codeNames[code] || "")));
          codes.appendChild(label);
        });
        $('textarea[name="findings"]', fs).value = r.findings || "";
        $('input[name="visitedAt"]', fs).value = toLocalInput(r.visitedAt);
        if (item.method === "OnSite") $('input[name="visitPlace"]', fs).value = r.visitPlace || "";
        fs.evidence = (r.evidence || []).slice();
        renderEvidence(fs);
        $('input[name="evidence"]', fs).addEventListener("change", (e) => upload(fs, e.target));
        itemsBox.appendChild(fs);
      });
    }

    function renderEvidence(fs) {
      const list = $(".evidence-list", fs);
      list.textContent = "";
      fs.evidence.forEach((e, k) => {
        const li = document.createElement("li");
        li.textContent = (e.fileName || e.sha256.slice(0, 12)) + " (" + Math.ceil(e.sizeBytes / 1024) + " KB) ";
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "link";
        remove.textContent = t("移除", "Remove");
        remove.addEventListener("click", () => { fs.evidence.splice(k, 1); renderEvidence(fs); autosave(); });
        li.appendChild(remove);
        list.appendChild(li);
      });
    }

    async function upload(fs, input) {
      const file = input.files && input.files[0];
      if (!file) return;
      show(message, t("正在上传…", "Uploading…"));
      const result = await S.api("POST", url + "/evidence?fileName=" + encodeURIComponent(file.name), { raw: file, contentType: file.type || "application/octet-stream" });
      input.value = "";
      if (!result.ok) { show(message, failure(result) + " " + t("（文件未上传，其余内容已保留）", "(the file was not uploaded; everything else is kept)"), "bad"); return; }
      fs.evidence.push(result.body);
      renderEvidence(fs);
      show(message, t("文件已上传。", "File uploaded."), "ok");
      autosave();
    }

    function collect() {
      return $$("fieldset[data-item]", itemsBox).map((fs) => {
        const visited = $('input[name="visitedAt"]', fs).value;
        const place = $('input[name="visitPlace"]', fs);
        const findings = $('textarea[name="findings"]', fs).value;
        return {
          itemCode: fs.dataset.item,
          // The server keeps codes in ordinal order; so does the page, or a letter and a digit ticked together (A + 3)
          // would always look unsaved and keep sign and submit disabled.
          resultCodes: $$('input[name="code"]:checked', fs).map((c) => c.value).sort(),
          findings: findings.trim() === "" ? null : findings,
          visitedAt: visited ? new Date(visited).toISOString() : null,
          visitPlace: place && place.value.trim() !== "" ? place.value : null,
          evidence: fs.evidence,
        };
      });
    }

    const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
    const dirty = () => view && !same(collect(), normalise(view.draft));
    const normalise = (results) => normaliseOn(view.items, results);
    function normaliseOn(items, results) {
      return items.map((item) => {
        const r = (results || []).find((x) => x.itemCode === item.itemCode) || {};
        return {
          itemCode: item.itemCode, resultCodes: (r.resultCodes || []).slice().sort(), findings: r.findings || null,
          visitedAt: r.visitedAt ? new Date(toLocalInput(r.visitedAt)).toISOString() : null,
          visitPlace: r.visitPlace || null, evidence: r.evidence || [],
        };
      });
    }

    // Written at every keystroke (localStorage is synchronous), so closing the tab a moment later loses nothing.
    function autosave() {
      if (!view) return;
      clearDrafts();
      if (!dirty()) { status.textContent = ""; updateButtons(); return; }
      localStorage.setItem(draftPrefix + revision, JSON.stringify({ items: collect(), at: new Date().toISOString() }));
      status.textContent = t("已保存在本设备 ", "Kept on this device at ") + new Date().toLocaleTimeString();
      updateButtons();
    }
    itemsBox.addEventListener("input", autosave);
    itemsBox.addEventListener("change", autosave);

    function updateButtons() {
      const allowed = (view && view.allowedActions) || [];
      const mineSigned = view && view.signatures.some((s) => s.username === me);
      $("#save", root).disabled = !allowed.includes("SaveDraft");
      $("#sign", root).disabled = !allowed.includes("Sign") || dirty() || mineSigned;
      $("#submit", root).disabled = !allowed.includes("Submit") || dirty();
      const lock = !allowed.includes("SaveDraft");
      $$("input, textarea", itemsBox).forEach((el) => (el.disabled = lock));
    }

    function accept(result) {
      view = result.body.inspection || result.body;
      revision = view.revision;
      localStorage.setItem(viewKey, JSON.stringify(view));
      $("[data-testid=inspection-state]") && ($("[data-testid=inspection-state]").textContent = stateName(view.state));
      $("[data-testid=revision]") && ($("[data-testid=revision]").textContent = view.revision);
    }

    // A send that got no answer: what was asked stays queued on this device and goes out by itself later.
    function offline(what) {
      if (what) enqueue(what);
      retry.hidden = false;
      lastRetry = sendQueued;
      setSync("queued");
      show(message, t("网络连接失败：已保存在本设备上，恢复网络后会自动发送（也可点击“重试”）。",
        "The network failed: it is saved on this device and will be sent by itself when the network is back (or press Retry)."), "warn");
    }

    function failed(result, again) {
      if (result.networkError) {
        lastRetry = again;
        retry.hidden = false;
        show(message, t("网络连接失败：您输入的内容都保存在本设备上。恢复网络后请点击“重试”。", "The network failed: everything you typed is kept on this device. Retry when you are back online."), "bad");
      } else {
        S.showProblem(itemsBox, message, result);
      }
    }

    // A refusal of a queued send: a 409 (the inspection moved on: submitted by a team mate, returned, …) is a conflict
    // the inspector must see; anything else is shown as the server's problem. Either way it leaves the queue.
    function refused(result) {
      if (result.status === 400) S.showProblem(itemsBox, message, result);
      else show(message, failure(result) + (result.body && result.body.currentState ? " — " + t("当前状态：", "current state: ") + stateName(result.body.currentState) : ""), "bad");
      setSync(result.status === 409 ? "conflict" : "refused", String(result.status));
    }
    retry.addEventListener("click", () => { retry.hidden = true; if (lastRetry) lastRetry(); });

    // Resolves true once the server has this content. A network failure queues the save; a 412 whose current draft
    // is exactly this content is an earlier send of ours whose answer was lost, so it counts as sent.
    async function save(force) {
      const items = collect();
      const result = await S.api("PUT", url + "/draft", { json: { items }, ifMatch: '"' + revision + '"' });
      if (result.ok) {
        clearDrafts();
        dequeue("save");
        accept(result);
        S.clearProblems(itemsBox);
        show(message, t("已保存到服务器。", "Saved on the server."), "ok");
        status.textContent = "";
        updateButtons();
        return true;
      }
      if (result.networkError) { offline("save"); return false; }
      dequeue("save");
      if (result.status === 412 && !force) return await conflict(items);
      failed(result, () => save(force));
      setSync("refused");
      return false;
    }

    const describe = (results) => results.map((r) =>
      r.itemCode + ": " + ((r.resultCodes || []).join(", ") || "—") + "\n" + (r.findings || "") +
      (r.visitPlace ? "\n@ " + r.visitPlace : "")).join("\n\n");

    async function conflict(mine) {
      const current = await S.api("GET", url);
      if (!current.ok) {
        if (current.networkError) offline("save"); else failed(current, () => save(false));
        return false;
      }
      const theirs = current.body;
      if (same(normaliseOn(theirs.items, theirs.draft), mine)) {
        // Our own earlier send reached the server; its answer did not reach us. Nothing to resolve.
        clearDrafts();
        accept(current);
        show(message, t("已保存到服务器。", "Saved on the server."), "ok");
        status.textContent = "";
        updateButtons();
        return true;
      }
      setSync("conflict", "412");
      $("#conflict-theirs", root).textContent = describe(theirs.draft);
      $("#conflict-mine", root).textContent = describe(mine);
      $("#conflict", root).hidden = false;
      show(message, t("保存未成功：同组人员已修改此记录（412）。", "Not saved: a team mate changed this record first (412)."), "bad");
      // Keep typing on top of the newer revision: the local copy moves to it so nothing is lost.
      clearDrafts();
      view = theirs;
      revision = theirs.revision;
      localStorage.setItem(viewKey, JSON.stringify(view));
      localStorage.setItem(draftPrefix + revision, JSON.stringify({ items: mine, at: new Date().toISOString() }));
      $("#conflict-keep", root).onclick = async () => { $("#conflict", root).hidden = true; await save(true); };
      $("#conflict-reload", root).onclick = () => {
        const copy = $("#conflict-copy", root);
        copy.value = describe(mine);
        copy.hidden = false;
        $('label[for="conflict-copy"]', root).hidden = false;
        render(view.items, view.draft);
        clearDrafts();
        updateButtons();
      };
      return false;
    }

    // fromQueue: sent by sendQueued, which reloads once at the end instead.
    async function sign(fromQueue) {
      const result = await S.api("POST", url + "/sign");
      if (result.networkError) { offline("sign"); return false; }
      dequeue("sign");
      if (!result.ok) { if (fromQueue === true) refused(result); else failed(result, sign); return false; }
      accept(result);
      show(message, t("已签名。", "Signed."), "ok");
      updateButtons();
      if (fromQueue !== true) setTimeout(() => location.reload(), 400);
      return true;
    }

    async function submit(fromQueue) {
      let key = localStorage.getItem(submitKey);
      if (!key) {
        key = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2));
        localStorage.setItem(submitKey, key);
      }
      const result = await S.api("POST", url + "/submit", { idempotencyKey: key });
      if (result.ok) {
        localStorage.removeItem(submitKey);
        clearDrafts();
        accept(result);
        const r = result.body.receipt;
        show(message, t("已提交，版本 ", "Submitted, version ") + r.version, "ok");
        keepReceipt(id, { action: "submit", version: r.version, at: r.at, by: r.submittedBy, key: r.idempotencyKey, state: view.state });
        updateButtons();
        // The submitted version is drawn by the server; the receipt above is shown again after the reload.
        if (fromQueue !== true) location.reload();
        return true;
      }
      // A network failure keeps the key: the queued retry sends the same key, so the server answers the first
      // submit's receipt and never makes a second version. A refused submit is not remembered by the server.
      if (result.networkError) { offline(null); return false; }
      localStorage.removeItem(submitKey);
      if (fromQueue === true) refused(result); else { failed(result, submit); setSync(result.status === 409 ? "conflict" : "refused", String(result.status)); }
      return false;
    }

    // Sends what waits on this device, in the order it was asked: the save, then a signature, then the submit.
    async function sendQueued() {
      if (sending || !view || !queued()) return;
      sending = true;
      retry.hidden = true;
      setSync("sending");
      let changedState = false;
      try {
        if (readOutbox().save && !(await save(false))) return;
        if (readOutbox().sign) { if (!(await sign(true))) return; changedState = true; }
        if (localStorage.getItem(submitKey)) { if (!(await submit(true))) return; changedState = true; }
        setSync("sent");
        if (changedState) {
          // The signatures and the submitted version are drawn by the server: show them, and say again that it was sent.
          sessionStorage.setItem(sentNote, new Date().toISOString());
          setTimeout(() => location.reload(), 400);
        }
      } finally {
        sending = false;
      }
    }
    window.addEventListener("online", () => sendQueued());
    setInterval(() => { if (navigator.onLine !== false && queued()) sendQueued(); }, 8000);

    $("#save", root).addEventListener("click", () => save(false));
    $("#sign", root).addEventListener("click", sign);
    $("#submit", root).addEventListener("click", submit);

    (async function load() {
      const result = await S.api("GET", url);
      if (result.ok) {
        accept(result);
      } else if (result.networkError && localStorage.getItem(viewKey)) {
        view = JSON.parse(localStorage.getItem(viewKey));
        revision = view.revision;
        show(message, t("离线：显示本设备上的副本，联网后再保存。", "Offline: showing the copy on this device; save when back online."), "warn");
      } else {
        show(message, failure(result), "bad");
        return;
      }
      const drafts = localDrafts();
      if (drafts.length > 0) {
        const local = drafts[0];
        render(view.items, local.value.items);
        if (local.revision === revision) {
          status.textContent = t("已恢复本设备上未保存的内容（", "Restored unsaved work from this device (") + new Date(local.value.at).toLocaleString() + ")";
        } else {
          status.textContent = t("已恢复本设备上未保存的内容；服务器上的记录在此期间已被修改，保存时会显示双方版本。",
            "Restored unsaved work from this device; the record changed on the server meanwhile, saving will show both versions.");
          revision = local.revision;
        }
        status.dataset.restored = "true";
      } else {
        render(view.items, view.draft);
      }
      updateButtons();
      if (sessionStorage.getItem(sentNote)) { sessionStorage.removeItem(sentNote); setSync("sent"); }
      if (queued()) {
        setSync("queued");
        retry.hidden = false;
        lastRetry = sendQueued;
      }
      root.dataset.ready = "true";
      if (result.ok) sendQueued();
    })();
  }

  // ---- Review: approve, return, publish --------------------------------------------------------------------------
  function review(root) {
    const message = $("#review-message", root);
    // One idempotency key per action and page: clicking again after a lost answer gets the original result, not a 409.
    const keys = {};
    $$("[data-review]", root).forEach((button) => button.addEventListener("click", async () => {
      const what = button.dataset.review;
      if (what === "publish" && !confirm(t("公示后检查结果将向社会公开。确定公示？", "Publishing makes the result public. Publish it?"))) return;
      const department = $("#review-department", root);
      let path = what === "publish" ? "/publish" : "/review/" + what;
      const json = what === "publish" ? undefined : { departmentCode: department ? department.value : null, reason: what === "return" ? $("#return-reason", root).value : null };
      keys[what] = keys[what] || (what + "-" + crypto.randomUUID());
      button.disabled = true;
      const result = await S.api("POST", root.dataset.url + path, Object.assign(json ? { json } : {}, { idempotencyKey: keys[what] }));
      if (!result.ok) { button.disabled = false; show(message, failure(result), "bad"); return; }
      const v = result.body || {};
      const r = { action: what, version: what === "publish" ? v.publishedVersion : v.currentVersion, at: new Date().toISOString(),
        by: root.dataset.user, department: json ? json.departmentCode : null, key: keys[what], state: v.state };
      const approval = what === "approve" && (v.approvals || []).find((a) => a.departmentCode === r.department);
      if (approval) Object.assign(r, { at: approval.at, by: approval.reviewer, version: approval.version });
      if (what === "return" && v.lastReturn) {
        Object.assign(r, { at: v.lastReturn.at, by: v.lastReturn.reviewer, version: v.lastReturn.version, department: v.lastReturn.departmentCode, reason: v.lastReturn.reason });
      }
      keepReceipt(root.dataset.id, r);
      location.reload();
    }));
    // The redaction step: withhold a field from publication with its reason category and a note.
    const redact = $("[data-redact]", root);
    if (redact) redact.addEventListener("click", async () => {
      const box = $("#redaction-message", root);
      const json = { field: $("#redaction-field", root).value, category: $("#redaction-category", root).value, note: $("#redaction-note", root).value };
      redact.disabled = true;
      const result = await S.api("POST", root.dataset.url + "/redactions", { json });
      if (!result.ok) { redact.disabled = false; S.showProblem($(".redaction", root), box, result); return; }
      location.reload();
    });
  }

  // ---- Record editor (departments, items, entities, inspectors) --------------------------------------------------
  function recordEditor(form) {
    const message = $("#form-message", form);
    const url = form.dataset.url;
    const creating = form.dataset.mode === "create";
    let etag = form.dataset.etag || null;

    function body() {
      const out = {};
      $$("[data-field]", form).forEach((el) => {
        const name = el.dataset.field;
        if (el.type === "checkbox") out[name] = el.checked;
        else if (el.dataset.kind === "list") out[name] = splitList(el.value);
        else if (el.dataset.kind === "number") out[name] = el.value.trim() === "" ? null : Number(el.value);
        else out[name] = el.value.trim() === "" ? null : el.value.trim();
      });
      return out;
    }

    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const result = creating
        ? await S.api("POST", url, { json: body() })
        : await S.api("PUT", url, { json: body(), ifMatch: etag });
      if (result.ok) {
        etag = result.etag;
        show(message, t("已保存。", "Saved."), "ok");
        if (creating && form.dataset.next) location.href = form.dataset.next.replace("{key}", encodeURIComponent(result.body[form.dataset.keyField]));
        return;
      }
      if (result.status === 412) {
        const current = await S.api("GET", url);
        const box = $("#conflict", form);
        $("#conflict-theirs", form).textContent = current.ok ? JSON.stringify(current.body, null, 2) : failure(current);
        $("#conflict-mine", form).textContent = JSON.stringify(body(), null, 2);
        box.hidden = false;
        show(message, t("保存未成功：其他人已修改此记录（412）。您的输入仍在表单中。", "Not saved: someone else changed this record first (412). Your input is still in the form."), "bad");
        $("#conflict-keep", form).onclick = () => { etag = current.etag; box.hidden = true; form.requestSubmit(); };
        $("#conflict-reload", form).onclick = () => location.reload();
        return;
      }
      show(message, failure(result), "bad");
    });
  }

  // ---- Bulk import with a live progress bar -----------------------------------------------------------------------
  function importer(form) {
    const message = $("#form-message", form);
    const bar = $("#import-progress", form);
    const counters = $("#import-counters", form);
    const report = $("#import-report", form);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const file = $("#file", form).files[0];
      const kind = $("#kind", form).value;
      if (!file) { show(message, t("请选择 CSV 文件。", "Choose a CSV file."), "bad"); return; }
      const startedAt = new Date(Date.now() - 2000).toISOString();
      bar.hidden = false;
      bar.max = file.size;
      bar.value = 0;
      report.hidden = true;
      show(message, t("正在导入…", "Importing…"));
      let done = false;
      let jobId = null;
      const poll = async () => {
        while (!done) {
          const list = await S.api("GET", "/api/imports?limit=10");
          if (list.ok) {
            const job = jobId ? list.body.items.find((j) => j.id === jobId)
              : list.body.items.find((j) => j.fileName === file.name && new Date(j.startedAt) >= new Date(startedAt));
            if (job) {
              jobId = job.id;
              bar.value = Math.min(job.bytesRead, file.size);
              counters.textContent = t("已读取 ", "Read ") + job.rowsRead + t(" 行，新增 ", " rows, inserted ") + job.inserted +
                t("，更新 ", ", updated ") + job.updated + t("，拒绝 ", ", rejected ") + job.rejected;
            }
          }
          await new Promise((r) => setTimeout(r, 300));
        }
      };
      const polling = poll();
      let result = await S.api("POST", "/api/imports/" + kind + "?fileName=" + encodeURIComponent(file.name), { raw: file, contentType: "text/csv" });
      // An import still running after a few seconds answers 202 with its operation: followed here until it ends (it goes on
      // on the server whatever this page does), then its job is read.
      if (result.status === 202) {
        show(message, t("文件已上传，正在后台导入…", "File uploaded; importing in the background…"));
        result = await S.follow(result, (op) => {
          const p = op.progress || {};
          if (p.phase === "import" && p.total > 0) { bar.max = p.total; bar.value = Math.min(p.done, p.total); }
          const attempt = op.attempts > 1 ? t("（第 " + op.attempts + " 次尝试）", " (attempt " + op.attempts + ")") : "";
          show(message, t("正在后台导入…", "Importing in the background…") + (p.note ? " " + p.note : "") + attempt);
        });
        if (result.ok) result = await S.api("GET", result.body.links.job);
      }
      done = true;
      await polling;
      if (!result.ok) { show(message, failure(result), "bad"); return; }
      const job = result.body;
      bar.value = bar.max;
      counters.textContent = t("完成：读取 ", "Done: read ") + job.rowsRead + t(" 行，新增 ", " rows, inserted ") + job.inserted +
        t("，更新 ", ", updated ") + job.updated + t("，未变 ", ", unchanged ") + job.unchanged + t("，拒绝 ", ", rejected ") + job.rejected;
      show(message, t("导入完成。", "Import finished."), job.rejected > 0 ? "warn" : "ok");
      if (job.rejected > 0) {
        const link = $("a", report);
        link.href = "/api/imports/" + encodeURIComponent(job.id) + "/errors.csv";
        report.hidden = false;
      }
    });
  }

  const receiptBox = document.querySelector("[data-receipt-for]");
  if (receiptBox) receipt(receiptBox);
  const cancelForm = document.getElementById("cancel-request-form");
  if (cancelForm) cancelRequest(cancelForm);
  const replaceForm = document.getElementById("replace-form");
  if (replaceForm) replaceMember(replaceForm);
  $$("form.recusal-decision").forEach(recusalDecision);
  $$("form.abnormal-action").forEach((f) => postForm(f, "#abnormal-message"));
  $$("form.case-action").forEach((f) => postForm(f, "#case-message"));
  const pages = { "task-form": taskForm, "task-actions": taskActions, ceremony, witness, "inspection-form": inspectionForm, review, "record-editor": recordEditor, importer };
  $$("[data-page]").forEach((el) => { const init = pages[el.dataset.page]; if (init) init(el); });
})();
