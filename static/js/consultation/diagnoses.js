// The doctor's tablet, diagnoses: ICD-10 search as you type (the best rows as big buttons), the
// doctor's recent and the clinic's common codes as chips, primary and secondary, remove.
"use strict";

window.ClinicVisit.register(function diagnoses(visit) {
  const list = document.getElementById("dx-list");
  const empty = document.getElementById("dx-empty");
  const rowTemplate = document.getElementById("tpl-dx-row");
  const pickTemplate = document.getElementById("tpl-pick-row");
  const input = document.getElementById("dx-q");
  const results = document.getElementById("dx-results");
  const status = document.getElementById("dx-results-status");
  const chipRow = document.getElementById("dx-chip-row");

  // [{id, code, title, is_primary, pending}] in the order they were added
  let rows = (visit.consultation.diagnoses || []).map((d) => ({
    id: d.id,
    code: d.code.code,
    title: d.code.title,
    is_primary: d.is_primary,
    pending: false,
  }));

  const has = (code) => rows.some((row) => row.code === code);

  function render() {
    list.innerHTML = "";
    rows.forEach((row) => {
      const node = rowTemplate.content.firstElementChild.cloneNode(true);
      node.dataset.code = row.code;
      node.querySelector("[data-code]").textContent = row.code;
      node.querySelector("[data-title]").textContent = row.title;
      const kind = node.querySelector("[data-kind]");
      kind.innerHTML = row.is_primary
        ? `${visit.icon("check")}<span>Primary</span>`
        : "<span>Secondary</span>";
      kind.classList.toggle("is-primary", row.is_primary);
      if (row.pending) node.classList.add("is-pending");
      const primary = node.querySelector("[data-primary]");
      const remove = node.querySelector("[data-remove]");
      if (!visit.editable) {
        primary.remove();
        remove.remove();
      } else {
        if (row.is_primary) primary.remove();
        else primary.addEventListener("click", () => makePrimary(row));
        primary.setAttribute("aria-label", `Make ${row.code} the primary diagnosis`);
        remove.setAttribute("aria-label", `Remove ${row.code} ${row.title}`);
        remove.addEventListener("click", () => removeRow(row));
      }
      list.appendChild(node);
    });
    empty.hidden = rows.length > 0;
    visit.setDone("diagnoses", rows.length > 0);
    renderChips();
    markResults();
    visit.emit("diagnoses", rows);
  }

  function add(code, title) {
    if (!visit.editable || has(code)) return;
    visit.advance();
    const isPrimary = !rows.some((row) => row.is_primary);
    rows.push({ id: null, code, title, is_primary: isPrimary, pending: true });
    visit.setError("dx-error", "");
    visit.save({
      kind: "dx-add",
      section: "diagnoses",
      part: "dx",
      method: "POST",
      url: visit.urls.diagnoses,
      body: { code },
      meta: { title },
    });
    render();
  }

  function makePrimary(row) {
    rows.forEach((other) => {
      other.is_primary = other === row;
    });
    visit.save({
      kind: "dx-add",
      section: "diagnoses",
      part: "dx",
      method: "POST",
      url: visit.urls.diagnoses,
      body: { code: row.code, is_primary: true },
      meta: { title: row.title },
    });
    render();
  }

  function removeRow(row) {
    const cancelled = visit.outbox.cancel((op) => op.kind === "dx-add" && op.body.code === row.code);
    if (!row.id && !cancelled) return; // still being sent: removable once saved
    rows = rows.filter((other) => other !== row);
    if (row.is_primary && rows.length && !rows.some((other) => other.is_primary)) rows[0].is_primary = true;
    if (row.id) {
      visit.save({
        kind: "dx-remove",
        section: "diagnoses",
        part: "dx",
        method: "DELETE",
        url: visit.url("diagnosis", row.id),
        meta: { code: row.code },
      });
    }
    render();
  }

  // --- Chips and search ------------------------------------------------------------------------------
  function renderChips() {
    if (!chipRow) return;
    const chips = visit.state.chips.recent_diagnoses.concat(visit.state.chips.common_diagnoses);
    chipRow.innerHTML = "";
    chips.forEach((chip) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "chip-btn chip-btn--code";
      button.dataset.code = chip.code;
      button.setAttribute("aria-pressed", String(has(chip.code)));
      button.innerHTML = `<span class="chip-btn__code"></span><span class="chip-btn__sub"></span>`;
      button.querySelector(".chip-btn__code").textContent = chip.code;
      button.querySelector(".chip-btn__sub").textContent = chip.title;
      button.addEventListener("click", () => {
        const row = rows.find((r) => r.code === chip.code);
        if (row) removeRow(row);
        else add(chip.code, chip.title);
      });
      chipRow.appendChild(button);
    });
    document.getElementById("dx-chips").hidden = chips.length === 0;
  }

  function markResults() {
    if (!results) return;
    results.querySelectorAll("[data-pick-code]").forEach((button) => {
      const added = has(button.dataset.pickCode);
      button.setAttribute("aria-disabled", String(added));
      button.querySelector("[data-side]").innerHTML = added ? `${visit.icon("check")}<span>Added</span>` : "<span>Add</span>";
    });
  }

  let searchTimer = null;
  let controller = null;
  async function search(query) {
    if (controller) controller.abort();
    if (query.length < 2) {
      results.innerHTML = "";
      status.textContent = query ? "Type at least 2 letters or a code." : "";
      return;
    }
    controller = new AbortController();
    status.textContent = "Searching…";
    let response;
    try {
      response = await visit.request("GET", `${visit.urls.icd10}?q=${encodeURIComponent(query)}`, undefined, { signal: controller.signal });
    } catch (error) {
      if (error.name !== "AbortError") status.textContent = "No connection: the search needs the network.";
      return;
    }
    if (!response.ok) {
      status.textContent = (response.error && response.error.message) || "The search failed; try again.";
      return;
    }
    const found = (response.data.results || []).slice(0, 8);
    results.innerHTML = "";
    found.forEach((code) => {
      const node = pickTemplate.content.firstElementChild.cloneNode(true);
      const button = node.querySelector("button");
      button.dataset.pickCode = code.code;
      node.querySelector("[data-main]").textContent = code.code;
      node.querySelector("[data-sub]").textContent = code.title;
      button.addEventListener("click", () => {
        if (button.getAttribute("aria-disabled") === "true") return;
        add(code.code, code.title);
        input.value = "";
        results.innerHTML = "";
        status.textContent = `${code.code} ${code.title} added.`;
      });
      results.appendChild(node);
    });
    status.textContent = found.length ? `${found.length} code${found.length === 1 ? "" : "s"} found` : "No code found; try other words.";
    markResults();
  }

  if (input && visit.editable) {
    input.addEventListener("input", () => {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(() => search(input.value.trim()), 200);
    });
  }

  // --- Outbox results --------------------------------------------------------------------------------
  visit.handle("dx-add", {
    saved(op, data) {
      const row = rows.find((r) => r.code === op.body.code);
      if (!row || !data || !data.id) return;
      row.id = data.id;
      row.pending = false;
      if (data.is_primary) rows.forEach((other) => { other.is_primary = other === row; });
      render();
    },
    rejected(op, result, error) {
      rows = rows.filter((r) => !(r.code === op.body.code && !r.id));
      visit.setError("dx-error", error.message);
      render();
      return true;
    },
    restore(op) {
      const row = rows.find((r) => r.code === op.body.code);
      if (row && op.body.is_primary) rows.forEach((other) => { other.is_primary = other === row; });
      if (!row) rows.push({ id: null, code: op.body.code, title: (op.meta && op.meta.title) || "", is_primary: !rows.some((r) => r.is_primary), pending: true });
      render();
    },
  });
  visit.handle("dx-remove", {
    rejected(op, result, error) {
      visit.setError("dx-error", error.message);
      return true;
    },
    restore(op) {
      rows = rows.filter((r) => r.code !== (op.meta && op.meta.code));
      render();
    },
  });

  visit.diagnoses = () => rows.slice();
  render();
});
