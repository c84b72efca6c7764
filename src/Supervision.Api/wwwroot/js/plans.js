// The annual plan pages of the workbench: draft a plan, edit its lines, approve, publish and revise it — each a call to
// /api/plans with the plan's ETag (If-Match). Plain browser JavaScript on top of Supervision.api (app.js); nothing inline.
(function () {
  "use strict";
  const S = window.Supervision;
  const en = document.documentElement.lang === "en";
  const t = (zh, english) => (en ? english : zh);
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const facts = $("[data-testid=plan-facts]");
  const message = $("#plan-message");

  function say(box, result) {
    if (!box) return;
    box.className = "notice bad";
    box.textContent = result.networkError ? t("网络连接失败，请检查网络后重试。", "The network failed. Check the connection and retry.")
      : result.status === 412 ? t("计划已被他人修改，请刷新页面后重试。", "Someone changed the plan since you opened it: reload the page and try again.")
      : S.describeProblem(result);
  }

  const split = (value) => (value || "").split(/[,，、\s]+/).map((s) => s.trim()).filter(Boolean);
  const number = (value) => (value === "" || value === null || value === undefined ? null : Number(value));

  // ---- Draft a plan for a year -------------------------------------------------------------------------------------
  function create(form) {
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const result = await S.api("POST", "/api/plans", { json: { year: Number(form.elements.year.value) } });
      if (!result.ok) { say(message, result); return; }
      location.href = "/app/plans/" + result.body.id;
    });
  }

  // ---- Edit the lines: each fieldset is a line; the fields at fault are marked by the names the API gives them -------
  function editor(form) {
    const list = $("#plan-lines-editor", form);
    const template = $("#plan-line-template");
    const box = $("#form-message", form);
    let added = 0;
    const wire = (line) => $("[data-role=remove-line]", line).addEventListener("click", () => line.remove());
    $$(".plan-line", list).forEach(wire);
    $("[data-role=add-line]", form).addEventListener("click", () => {
      const key = "n" + (++added);
      const html = template.innerHTML.replaceAll("__KEY__", key);
      list.insertAdjacentHTML("beforeend", html);
      const line = list.lastElementChild;
      wire(line);
      $("input[name=items]", line).focus();
    });

    // The lines as the API takes them; each control is named after its field ("lines[0].items") so a refusal lands beside it.
    function lines() {
      return $$(".plan-line", list).map((line, i) => {
        const p = "lines[" + i + "]";
        const field = (el, name) => { el.dataset.field = p + "." + name; return el; };
        const classes = [];
        $$("tr[data-class]", line).forEach((row) => {
          const ratio = $("input[name=ratio]", row);
          const count = $("input[name=count]", row);
          if (ratio.value.trim() === "" && count.value.trim() === "") { delete ratio.dataset.field; delete count.dataset.field; return; }
          const j = classes.length;
          field(ratio, "classes[" + j + "].ratio");
          field(count, "classes[" + j + "].count");
          row.dataset.field = p + ".classes[" + j + "]";
          classes.push({ creditClass: row.dataset.class, ratio: number(ratio.value.trim()), count: number(count.value.trim()) });
        });
        field($("table.plan-classes", line), "classes");
        const months = $("[data-role=months]", line);
        field(months, "months");
        return {
          no: line.dataset.no ? Number(line.dataset.no) : null,
          items: split(field($("input[name=items]", line), "items").value),
          drawType: field($("select[name=drawType]", line), "drawType").value,
          classes,
          frequency: field($("select[name=frequency]", line), "frequency").value,
          batches: number(field($("input[name=batches]", line), "batches").value),
          months: $$("input[name=month]:checked", months).map((m) => Number(m.value)),
          jointDepartments: split(field($("input[name=jointDepartments]", line), "jointDepartments").value),
          note: field($("textarea[name=note]", line), "note").value.trim() || null,
        };
      });
    }

    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      S.clearProblems(form);
      const result = await S.api("PUT", facts.dataset.url, { json: { lines: lines() }, ifMatch: facts.dataset.etag });
      if (!result.ok) {
        if (result.networkError || result.status === 412) say(box, result);
        else S.showProblem(form, box, result);
        return;
      }
      location.reload();
    });
  }

  // ---- Approve, publish -----------------------------------------------------------------------------------------------
  $$("[data-plan-action]").forEach((button) => button.addEventListener("click", async () => {
    const publish = button.dataset.planAction === "publication";
    if (publish && !confirm(t("公布后本版计划将向社会公开，并作为现行计划，不能撤回。确定公布？",
      "Once published this revision is public and in force; it cannot be withdrawn. Publish?"))) return;
    button.disabled = true;
    const result = await S.api("POST", facts.dataset.url + "/" + button.dataset.planAction, { ifMatch: facts.dataset.etag });
    button.disabled = false;
    if (!result.ok) { say(message, result); return; }
    location.reload();
  }));

  // ---- Start a revision with its reason ---------------------------------------------------------------------------
  function revise(form) {
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const box = $("#revise-message", form);
      const result = await S.api("POST", facts.dataset.url + "/revisions", { json: { reason: form.elements.reason.value }, ifMatch: facts.dataset.etag });
      if (!result.ok) { if (result.networkError || result.status === 412) say(box, result); else S.showProblem(form, box, result); return; }
      location.reload();
    });
  }

  const pages = { "plan-create": create, "plan-editor": editor, "plan-revise": revise };
  $$("[data-page]").forEach((el) => { const init = pages[el.dataset.page]; if (init) init(el); });
})();
