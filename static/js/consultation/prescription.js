// The doctor's tablet, prescription: a composer (medicine search with stock, or the doctor's usual
// medicines as chips; dose, frequency, duration and timing as chips; quantity counted as the
// server counts it; give from clinic stock) and the list of medicines. A safety warning (allergy,
// interaction) comes back as a 409 and is shown in the composer with reasons to tap or type; the
// medicine is then sent again with the override. The half-written composer is kept in
// localStorage too, so a reload loses no choice made.
"use strict";

window.ClinicVisit.register(function prescription(visit) {
  const rx = visit.consultation.prescription;
  // Editable while the visit is open, and after it while an amendment of the prescription is a draft.
  const editableRx = visit.state.rx_editable && (!rx || rx.status === "draft");
  const storageKey = `ic-visit:${visit.state.user}:${visit.consultation.id}:composer`;
  const $ = (id) => document.getElementById(id);
  const list = $("rx-list");
  const empty = $("rx-empty");
  const rowTemplate = $("tpl-rx-row");
  const pickTemplate = $("tpl-pick-row");
  const composer = $("composer");
  const advice = $("rx-advice");
  const frequencyWords = {};
  visit.state.chips.frequencies.forEach((f) => {
    frequencyWords[f.value] = f.words;
  });
  const timingWords = {};
  visit.state.chips.timings.forEach((t) => {
    timingWords[t.value] = t.label;
  });
  Object.assign(timingWords, { with_food: "With food", empty_stomach: "Empty stomach" });

  const DOSES = {
    tablet: ["1 tablet", "½ tablet", "2 tablets"],
    capsule: ["1 capsule", "2 capsules"],
    syrup: ["5 ml", "10 ml"],
    cream: ["Thin layer"],
    ointment: ["Thin layer"],
    gel: ["Thin layer", "Pea-sized amount"],
    lotion: ["Thin layer"],
    solution: ["Thin layer", "2–3 drops"],
    serum: ["2–3 drops"],
    sunscreen: ["Apply generously"],
    shampoo: ["Lather, leave 5 minutes, rinse"],
    soap: ["Use for washing"],
    injection: ["1 injection"],
  };
  const DOSES_PER_DAY = { OD: 1, BD: 2, TDS: 3, QID: 4, HS: 1, ALT: 0.5, WEEKLY: 1 / 7 };
  const DAYS_PER_UNIT = { days: 1, weeks: 7, months: 30 };

  function unitPlural(unit) {
    unit = unit || "unit";
    return unit + (/(s|x|ch|sh)$/.test(unit) ? "es" : "s");
  }

  function amount(text) {
    const match = /^\s*(\d+(?:\.\d+)?|\d+\/\d+|½|¼)(?:\s|$)/.exec(text || "");
    if (!match) return null;
    if (match[1] === "½") return 0.5;
    if (match[1] === "¼") return 0.25;
    if (match[1].includes("/")) {
      const [a, b] = match[1].split("/").map(Number);
      return a / b;
    }
    return Number(match[1]);
  }

  /** consultations.dosing.quantity_compute, for the preview (the server's count is what is kept). */
  function quantity(d) {
    const form = (d.medicine && d.medicine.form) || "";
    const countable = ["tablet", "capsule"].includes(form) || /\b(tab|tabs|tablet|tablets|cap|caps|capsule|capsules)\b/i.test(d.dosage || "");
    if (!countable || !d.frequency || !d.duration_value) return null;
    const perDose = amount(d.dosage);
    if (perDose === null) return null;
    if (d.frequency === "STAT") return Math.ceil(perDose);
    let perDay = DOSES_PER_DAY[d.frequency];
    if (perDay === undefined) {
      if (!/^[\d./½¼]+(-[\d./½¼]+){2,3}$/.test(d.frequency)) return null;
      perDay = d.frequency.split("-").reduce((sum, part) => sum + (amount(part) || 0), 0);
    }
    const days = d.duration_value * (DAYS_PER_UNIT[d.duration_unit] || 1);
    return Math.ceil(perDose * perDay * days - 1e-9);
  }

  function countWord(d, n) {
    const form = (d.medicine && d.medicine.form) || (/cap/i.test(d.dosage) ? "capsule" : "tablet");
    return `${n} ${n === 1 ? form : form + "s"}`;
  }

  // --- The list of medicines ------------------------------------------------------------------------
  const overridesByItem = {};
  ((rx && rx.overrides) || []).forEach((o) => {
    (overridesByItem[o.item] = overridesByItem[o.item] || []).push({ message: o.message, reason: o.reason, kind: o.kind });
  });
  let items = ((rx && rx.items) || []).map((item) => Object.assign({}, item, { overrides: overridesByItem[item.id] || [], pending: false }));

  function describe(item) {
    const words = frequencyWords[item.frequency];
    const parts = [
      item.dosage,
      words ? `${item.frequency} (${words})` : item.frequency,
      `${item.duration_value} ${item.duration_value === 1 ? item.duration_unit.replace(/s$/, "") : item.duration_unit}`,
    ];
    if (item.timing) parts.push((timingWords[item.timing] || item.timing).toLowerCase());
    return parts.join(" · ");
  }

  function renderList() {
    list.innerHTML = "";
    items.forEach((item, index) => {
      const node = rowTemplate.content.firstElementChild.cloneNode(true);
      node.dataset.itemId = item.id;
      node.querySelector("[data-name]").textContent = `${index + 1}. ${item.medicine_name}`;
      node.querySelector("[data-how]").textContent = describe(item);
      const more = [];
      if (item.pending) more.push("Saving…");
      if (item.quantity) more.push(`Qty ${item.quantity}`);
      if (item.is_in_house) more.push(`Given from clinic stock${item.dispense_quantity ? ` (${item.dispense_quantity})` : ""}`);
      if (item.instructions) more.push(item.instructions);
      node.querySelector("[data-more]").textContent = more.join(" · ");
      const overrides = node.querySelector("[data-overrides]");
      (item.overrides || []).forEach((o) => {
        const li = document.createElement("li");
        li.innerHTML = `${visit.icon("alert")}<span><strong></strong> <span></span></span>`;
        li.querySelector("strong").textContent = `${o.kind === "allergy" ? "Allergy" : "Interaction"} warning overridden:`;
        li.querySelector("span span").textContent = o.reason;
        overrides.appendChild(li);
      });
      if (item.pending) node.classList.add("is-pending");
      const edit = node.querySelector("[data-edit]");
      const remove = node.querySelector("[data-remove]");
      if (!editableRx) {
        edit.remove();
        remove.remove();
      } else {
        edit.setAttribute("aria-label", `Change ${item.medicine_name}`);
        remove.setAttribute("aria-label", `Remove ${item.medicine_name}`);
        edit.addEventListener("click", () => startEdit(item));
        remove.addEventListener("click", () => removeItem(item));
      }
      list.appendChild(node);
    });
    empty.hidden = items.length > 0;
    visit.setDone("prescription", items.length > 0);
    visit.emit("items", items);
  }

  function removeItem(item) {
    const cancelled = visit.outbox.cancel((op) => op.kind === "item-add" && op.body.id === item.id);
    if (item.pending && !cancelled) return; // on its way: removable once saved
    items = items.filter((other) => other !== item);
    if (!cancelled) {
      visit.save({
        kind: "item-remove",
        section: "prescription",
        part: `item:${item.id}`,
        method: "DELETE",
        url: visit.url("item", item.id),
        meta: { id: item.id },
      });
    }
    renderList();
  }

  // --- What was said, as the composer's choices ------------------------------------------------------------
  // Only what is unambiguous: a code or a chip's own words, common English and Hinglish phrasings;
  // anything else is left for the doctor to tap.
  const SAID_FREQUENCIES = [
    [/\b(1-0-1|morning and night|subah[- ]shaam)\b/, "1-0-1"],
    [/\b(1-0-0|in the morning|subah)\b/, "1-0-0"],
    [/\b(0-0-1)\b/, "0-0-1"],
    [/\b(once a day|once daily|daily|din mein ek baar)\b/, "OD"],
    [/\b(twice a day|twice daily|din mein do baar)\b/, "BD"],
    [/\b(three times a day|thrice daily|din mein teen baar)\b/, "TDS"],
    [/\b(four times a day)\b/, "QID"],
    [/\b(at bedtime|at night|before sleep|raat ko|sote samay)\b/, "HS"],
    [/\b(when needed|as needed|if needed|sos)\b/, "SOS"],
  ];

  function frequencyOf(said) {
    const text = (said || "").trim().toLowerCase();
    if (!text) return "";
    const code = Object.keys(frequencyWords).find((value) => value.toLowerCase() === text);
    if (code) return code;
    const found = SAID_FREQUENCIES.find(([pattern]) => pattern.test(text));
    return found && frequencyWords[found[1]] !== undefined ? found[1] : "";
  }

  function durationOf(said) {
    const match = /(\d+)\s*(day|din|week|hafte|month|mahine)/i.exec(said || "");
    if (!match) return {};
    const unit = { day: "days", din: "days", week: "weeks", hafte: "weeks", month: "months", mahine: "months" };
    return { duration_value: Number(match[1]), duration_unit: unit[match[2].toLowerCase()] };
  }

  // --- The composer -----------------------------------------------------------------------------------
  const blank = () => ({
    mode: "add",
    itemId: null,
    medicine: null,
    external: "",
    dosage: "",
    frequency: "",
    duration_value: null,
    duration_unit: "days",
    timing: "",
    is_in_house: false,
    dispense_quantity: null,
    instructions: "",
    warnings: [],
    reason: "",
    reasonText: "",
    error: "",
  });
  let draft = blank();

  function keep() {
    try {
      if (draft.medicine || draft.external) window.localStorage.setItem(storageKey, JSON.stringify(draft));
      else window.localStorage.removeItem(storageKey);
    } catch (_) {
      /* not kept across a reload; still usable */
    }
  }

  function dispenseNeeded(d) {
    const unit = ((d.medicine && d.medicine.unit) || "").toLowerCase().replace(/s$/, "");
    return d.is_in_house && !["tablet", "capsule", "tab", "cap"].includes(unit);
  }

  function pressed(container, attribute, value) {
    container.querySelectorAll(`[${attribute}]`).forEach((chip) => {
      chip.setAttribute("aria-pressed", String(chip.getAttribute(attribute) === String(value)));
    });
  }

  function renderComposer() {
    if (!composer) return;
    const picking = !draft.medicine && !draft.external;
    $("med-pick").hidden = !picking;
    $("composer-form").hidden = picking;
    $("composer-h").textContent = draft.mode === "edit" ? "Change a medicine" : "Add a medicine";
    $("composer-add").textContent = draft.mode === "edit" ? "Save the change" : "Add to prescription";
    if (picking) {
      renderWarnings();
      return;
    }
    const medicine = draft.medicine;
    $("chosen-name").textContent = medicine ? medicine.label : `${draft.external} (not from the clinic's list)`;
    const stock = $("chosen-stock");
    if (medicine && medicine.stock !== undefined && medicine.stock !== null) {
      stock.textContent = medicine.stock > 0 ? `In stock: ${medicine.stock} ${medicine.stock === 1 ? medicine.unit : unitPlural(medicine.unit)}` : "Out of stock at this clinic";
      stock.dataset.stock = medicine.stock > 0 ? "in" : "out";
    } else {
      stock.textContent = medicine ? "" : "Bought outside: no stock check";
      stock.dataset.stock = "";
    }
    const doses = DOSES[(medicine && medicine.form) || ""] || ["1 tablet", "1 capsule", "Thin layer"];
    const doseRow = $("dose-chips");
    doseRow.innerHTML = "";
    doses.forEach((dose) => {
      const chip = document.createElement("button");
      chip.type = "button";
      chip.className = "chip-btn";
      chip.dataset.dose = dose;
      chip.textContent = dose;
      chip.addEventListener("click", () => set({ dosage: dose }));
      doseRow.appendChild(chip);
    });
    pressed(doseRow, "data-dose", draft.dosage);
    const other = $("dose-other");
    if (document.activeElement !== other) other.value = doses.includes(draft.dosage) ? "" : draft.dosage;
    pressed($("freq-chips"), "data-frequency", draft.frequency);
    pressed($("dur-chips"), "data-duration", draft.duration_unit === "days" ? draft.duration_value : "");
    const durValue = $("dur-value");
    if (document.activeElement !== durValue) durValue.value = draft.duration_value || "";
    pressed($("timing-chips"), "data-timing", draft.timing);
    const count = quantity(draft);
    $("qty-value").textContent =
      draft.frequency === "SOS" ? "When needed: not counted" : count ? countWord(draft, count) : "Not counted";
    const canStock = Boolean(medicine && medicine.id && (medicine.stock > 0 || draft.is_in_house));
    $("in-house-box").hidden = !canStock;
    $("in-house").setAttribute("aria-checked", String(Boolean(draft.is_in_house)));
    const needed = dispenseNeeded(draft);
    $("dispense-box").hidden = !needed;
    if (needed) {
      $("dispense-unit").textContent = unitPlural(medicine.unit);
      if (document.activeElement !== $("dispense-qty")) $("dispense-qty").value = draft.dispense_quantity || "";
    }
    const instructions = $("rx-instructions");
    if (document.activeElement !== instructions) instructions.value = draft.instructions;
    visit.setError("composer-error", draft.error);
    renderWarnings();
  }

  function set(changes, { render = true } = {}) {
    Object.assign(draft, changes);
    if ("dosage" in changes || "frequency" in changes || "duration_value" in changes) {
      visit.setError(`e-${Object.keys(changes)[0]}`, "");
    }
    keep();
    if (render) renderComposer();
  }

  function choose(medicine) {
    const doses = DOSES[medicine.form] || [];
    set({
      medicine,
      external: "",
      dosage: draft.dosage && (draft.mode === "edit" || draft.keepDose) ? draft.dosage : doses[0] || "",
      is_in_house: false,
      dispense_quantity: null,
      warnings: [],
      error: "",
    });
    $("med-q").value = "";
    $("med-results").innerHTML = "";
    $("med-results-status").textContent = "";
    $("composer-form").scrollIntoView({ block: "nearest" });
  }

  function chooseExternal(name) {
    set({ medicine: null, external: name, dosage: draft.dosage || "", is_in_house: false, warnings: [], error: "" });
    $("med-q").value = "";
    $("med-results").innerHTML = "";
  }

  function startEdit(item) {
    draft = Object.assign(blank(), {
      mode: "edit",
      itemId: item.id,
      medicine: item.medicine_id ? { id: item.medicine_id, label: item.medicine_name, form: item.dosage_form, unit: item.dispense_quantity ? "unit" : "", stock: null } : null,
      external: item.medicine_id ? "" : item.medicine_name,
      dosage: item.dosage,
      frequency: item.frequency,
      duration_value: item.duration_value,
      duration_unit: item.duration_unit,
      timing: item.timing,
      is_in_house: item.is_in_house,
      dispense_quantity: item.dispense_quantity,
      instructions: item.instructions,
    });
    keep();
    renderComposer();
    composer.scrollIntoView({ block: "start" });
  }

  function reset() {
    draft = blank();
    keep();
    renderComposer();
  }

  // --- Warnings and overrides --------------------------------------------------------------------------
  function renderWarnings() {
    const panel = $("warning-panel");
    if (!panel) return;
    $("composer-actions").hidden = draft.warnings.length > 0; // the panel has its own two buttons
    if (!draft.warnings.length) {
      panel.hidden = true;
      panel.innerHTML = "";
      return;
    }
    const name = draft.medicine ? draft.medicine.label : draft.external;
    panel.hidden = false;
    panel.innerHTML = `<div class="alert alert--error warning-alert" role="alert">${visit.icon("alert")}<div class="alert__body">
        <p class="alert__title">Check before prescribing <span data-w-name></span></p>
        <ul class="warning-list" data-w-list></ul>
        <div class="chip-group" role="group" aria-labelledby="reason-label">
          <p class="chip-group__label" id="reason-label">Reason to prescribe it anyway</p>
          <div class="chip-row" data-w-reasons></div>
        </div>
        <div class="field"><label for="reason-text">Or type the reason</label>
          <textarea id="reason-text" rows="2" maxlength="1000" aria-describedby="e-reason"></textarea>
          <p class="vital__error" id="e-reason"></p></div>
        <div class="composer__actions">
          <button type="button" class="btn btn--danger btn--large" data-w-go>Prescribe anyway</button>
          <button type="button" class="btn btn--secondary btn--large" data-w-cancel>Do not prescribe</button>
        </div></div></div>`;
    panel.querySelector("[data-w-name]").textContent = name;
    const listNode = panel.querySelector("[data-w-list]");
    draft.warnings.forEach((warning) => {
      const li = document.createElement("li");
      li.innerHTML = `<strong class="warning-list__severity"></strong> <span></span><span class="warning-list__source"></span>`;
      li.querySelector("strong").textContent = `${warning.severity.charAt(0).toUpperCase()}${warning.severity.slice(1)}:`;
      li.querySelector("span").textContent = warning.message;
      li.querySelector(".warning-list__source").textContent = warning.source ? ` Source: ${warning.source}.` : "";
      listNode.appendChild(li);
    });
    const reasons = panel.querySelector("[data-w-reasons]");
    visit.state.chips.override_reasons.forEach((reason) => {
      const chip = document.createElement("button");
      chip.type = "button";
      chip.className = "chip-btn chip-btn--text";
      chip.dataset.reason = reason;
      chip.textContent = reason;
      chip.setAttribute("aria-pressed", String(draft.reason === reason));
      chip.addEventListener("click", () => {
        draft.reason = draft.reason === reason ? "" : reason;
        keep();
        pressed(reasons, "data-reason", draft.reason);
        visit.setError("e-reason", "");
      });
      reasons.appendChild(chip);
    });
    const text = panel.querySelector("#reason-text");
    text.value = draft.reasonText;
    text.addEventListener("input", () => {
      draft.reasonText = text.value;
      keep();
      visit.setError("e-reason", "");
    });
    panel.querySelector("[data-w-go]").addEventListener("click", () => {
      const reason = (draft.reasonText || "").trim() || draft.reason;
      if (!reason) {
        visit.setError("e-reason", "Choose or type the reason for prescribing it anyway.");
        return;
      }
      submit(draft.warnings.map((w) => ({ warning: w.key, reason })));
    });
    panel.querySelector("[data-w-cancel]").addEventListener("click", reset);
  }

  // --- Sending ---------------------------------------------------------------------------------------------
  function submit(overrides) {
    const missing = [];
    if (!draft.dosage.trim()) missing.push(["e-dosage", "Choose the dose."]);
    if (!draft.frequency) missing.push(["e-frequency", "Choose how often."]);
    if (!draft.duration_value || draft.duration_value < 1) missing.push(["e-duration_value", "Choose for how long."]);
    if (dispenseNeeded(draft) && !draft.dispense_quantity) missing.push(["e-dispense_quantity", `Say how many ${unitPlural(draft.medicine.unit)} to give.`]);
    missing.forEach(([id, message]) => visit.setError(id, message));
    if (missing.length) {
      document.getElementById(missing[0][0]).closest(".chip-group, .in-house, .field").scrollIntoView({ block: "center" });
      return;
    }
    const body = {
      dosage: draft.dosage.trim(),
      frequency: draft.frequency,
      duration_value: draft.duration_value,
      duration_unit: draft.duration_unit,
      timing: draft.timing,
      instructions: draft.instructions.trim(),
      is_in_house: Boolean(draft.is_in_house),
    };
    if (dispenseNeeded(draft)) body.dispense_quantity = draft.dispense_quantity;
    if (draft.medicine) body.medicine_id = draft.medicine.id;
    else body.medicine_name = draft.external;
    if (overrides) body.overrides = overrides;
    const snapshot = JSON.parse(JSON.stringify(draft));
    const shown = {
      medicine_name: draft.medicine ? draft.medicine.label : draft.external,
      medicine_id: draft.medicine ? draft.medicine.id : null,
      dosage_form: draft.medicine ? draft.medicine.form : "",
      quantity: quantity(draft),
      dispense_quantity: body.dispense_quantity || null,
      overrides: (overrides || []).map((o) => ({
        reason: o.reason,
        kind: (draft.warnings.find((w) => w.key === o.warning) || {}).kind,
      })),
      pending: true,
    };
    visit.advance();
    if (draft.mode === "edit") {
      const id = draft.itemId;
      const index = items.findIndex((item) => item.id === id);
      const previous = index >= 0 ? items[index] : null;
      if (previous) {
        // Send the medicine only when it changed; from the clinic's list to a bought-outside one clears it.
        if (draft.medicine && draft.medicine.id === previous.medicine_id) delete body.medicine_id;
        if (!draft.medicine && previous.medicine_id) body.medicine_id = null;
        else if (!draft.medicine && draft.external === previous.medicine_name) delete body.medicine_name;
        shown.overrides = (previous.overrides || []).concat(shown.overrides);
        items[index] = Object.assign({}, previous, body, shown, { id });
      }
      visit.save({
        kind: "item-update",
        section: "prescription",
        part: `item:${id}`,
        method: "PATCH",
        url: visit.url("item", id),
        body,
        useBase: true,
        meta: { composer: snapshot, previous },
      });
    } else {
      const id = draft.itemId || window.ClinicOutbox.uuid4();
      body.id = id;
      items.push(Object.assign({ id }, body, shown));
      visit.save({
        kind: "item-add",
        section: "prescription",
        part: `item:${id}`,
        method: "POST",
        url: visit.urls.items,
        body,
        meta: { composer: snapshot, row: Object.assign({ id }, body, shown) },
      });
    }
    reset();
    renderList();
  }

  function refused(op, error) {
    draft = Object.assign(blank(), op.meta.composer || {}, { error: "" });
    if (op.kind === "item-add") {
      items = items.filter((item) => item.id !== op.body.id);
      draft.itemId = op.body.id;
    } else if (op.meta.previous) {
      items = items.map((item) => (item.id === op.meta.previous.id ? op.meta.previous : item));
    }
    if (error.code === "prescription_warning") {
      draft.warnings = error.warnings || [];
      draft.reason = "";
      draft.reasonText = "";
    } else {
      draft.warnings = [];
      draft.error = error.message;
    }
    keep();
    renderList();
    renderComposer();
    Object.entries(error.fields || {}).forEach(([name, messages]) => visit.setError(`e-${name}`, messages[0]));
    composer.scrollIntoView({ block: "start" });
    return error.code === "prescription_warning" ? "quiet" : true;
  }

  // --- Wiring -------------------------------------------------------------------------------------------
  if (composer && editableRx) {
    let timer = null;
    let controller = null;
    const input = $("med-q");
    const results = $("med-results");
    const status = $("med-results-status");

    function pickRow(main, sub, side, onPick, extraClass) {
      const node = pickTemplate.content.firstElementChild.cloneNode(true);
      node.querySelector("[data-main]").textContent = main;
      node.querySelector("[data-sub]").textContent = sub;
      node.querySelector("[data-side]").textContent = side;
      if (extraClass) node.querySelector("button").classList.add(extraClass);
      node.querySelector("button").addEventListener("click", onPick);
      results.appendChild(node);
      return node;
    }

    async function search(query) {
      if (controller) controller.abort();
      results.innerHTML = "";
      if (query.length < 2) {
        status.textContent = "";
        return;
      }
      controller = new AbortController();
      status.textContent = "Searching…";
      let response;
      try {
        response = await visit.request("GET", `${visit.urls.medicines}?branch=${encodeURIComponent(visit.consultation.branch.code)}&q=${encodeURIComponent(query)}`, undefined, { signal: controller.signal });
      } catch (error) {
        if (error.name !== "AbortError") status.textContent = "No connection: the search needs the network. You can still type the name below.";
        if (error.name !== "AbortError") pickRow(`Prescribe “${query}”`, "Not from the clinic's list", "Outside", () => chooseExternal(query), "pick-row--external");
        return;
      }
      if (!response.ok) {
        status.textContent = (response.error && response.error.message) || "The search failed; try again.";
        return;
      }
      const found = (response.data.results || []).slice(0, 8);
      results.innerHTML = "";
      found.forEach((m) => {
        const stockText = m.stock > 0 ? `${m.stock} ${m.stock === 1 ? m.unit : unitPlural(m.unit)} in stock` : "Out of stock";
        const sub = [m.brand_name, m.drug_class].filter(Boolean).join(" · ");
        const node = pickRow([m.generic_name, m.strength, m.form].filter(Boolean).join(" "), sub, stockText, () => choose(m));
        node.querySelector("[data-side]").dataset.stock = m.stock > 0 ? "in" : "out";
      });
      pickRow(`Prescribe “${query}”`, "Not from the clinic's list: bought outside", "Outside", () => chooseExternal(query), "pick-row--external");
      status.textContent = found.length ? `${found.length} medicine${found.length === 1 ? "" : "s"} found` : "Not in the clinic's list.";
    }

    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => search(input.value.trim()), 200);
    });

    // A medicine from the voice draft (static/js/voice/console.js): the composer starts from what was
    // said, and the search lists the clinic's matches; the doctor picks one (or "bought outside"),
    // checks and taps Add.
    document.addEventListener("voice:medicine-picked", (event) => {
      const said = event.detail || {};
      draft = Object.assign(blank(), {
        dosage: (said.dosage || "").trim(),
        keepDose: Boolean((said.dosage || "").trim()),
        frequency: frequencyOf(said.frequency),
        instructions: (said.instructions || "").trim(),
        ...durationOf(said.duration),
      });
      keep();
      renderComposer();
      input.value = (said.medicine || "").trim();
      search(input.value);
      composer.scrollIntoView({ block: "start" });
    });

    const recent = visit.state.chips.recent_medicines;
    if (recent.length) {
      $("med-chips").hidden = false;
      recent.forEach((m) => {
        const chip = document.createElement("button");
        chip.type = "button";
        chip.className = "chip-btn chip-btn--code";
        chip.innerHTML = `<span class="chip-btn__code"></span><span class="chip-btn__sub"></span>`;
        chip.querySelector(".chip-btn__code").textContent = [m.generic_name, m.strength].filter(Boolean).join(" ");
        chip.querySelector(".chip-btn__sub").textContent = m.stock > 0 ? `${m.form} · ${m.stock} in stock` : `${m.form} · out of stock`;
        chip.addEventListener("click", () => choose(m));
        $("med-chip-row").appendChild(chip);
      });
    }

    $("chosen-change").addEventListener("click", () => set({ medicine: null, external: "", warnings: [], error: "" }));
    $("dose-other").addEventListener("input", (event) => set({ dosage: event.target.value }, { render: false }));
    $("dose-other").addEventListener("change", () => renderComposer());
    $("freq-chips").addEventListener("click", (event) => {
      const chip = event.target.closest("[data-frequency]");
      if (chip) set({ frequency: chip.dataset.frequency });
    });
    $("dur-chips").addEventListener("click", (event) => {
      const chip = event.target.closest("[data-duration]");
      if (chip) set({ duration_value: Number(chip.dataset.duration), duration_unit: "days" });
      const stepper = event.target.closest("[data-dur-step]");
      if (stepper) set({ duration_value: Math.max(1, (draft.duration_value || 0) + Number(stepper.dataset.durStep)), duration_unit: "days" });
    });
    $("dur-value").addEventListener("input", (event) => {
      const n = parseInt(event.target.value, 10);
      set({ duration_value: Number.isNaN(n) ? null : n, duration_unit: "days" });
    });
    $("timing-chips").addEventListener("click", (event) => {
      const chip = event.target.closest("[data-timing]");
      if (chip) set({ timing: draft.timing === chip.dataset.timing ? "" : chip.dataset.timing });
    });
    $("in-house").addEventListener("click", () => {
      const on = !draft.is_in_house;
      set({ is_in_house: on, dispense_quantity: on && dispenseNeeded({ medicine: draft.medicine, is_in_house: true }) ? draft.dispense_quantity || 1 : null });
    });
    $("dispense-box").addEventListener("click", (event) => {
      const stepper = event.target.closest("[data-disp-step]");
      if (stepper) set({ dispense_quantity: Math.max(1, (draft.dispense_quantity || 0) + Number(stepper.dataset.dispStep)) });
    });
    $("dispense-qty").addEventListener("input", (event) => {
      const n = parseInt(event.target.value, 10);
      set({ dispense_quantity: Number.isNaN(n) ? null : n }, { render: false });
    });
    $("rx-instructions").addEventListener("input", (event) => set({ instructions: event.target.value }, { render: false }));
    $("composer-add").addEventListener("click", () => submit(null));
    $("composer-clear").addEventListener("click", reset);
  } else if (composer) {
    composer.hidden = true;
  }

  // --- Advice ---------------------------------------------------------------------------------------------
  function saveAdvice() {
    visit.save(
      {
        kind: "rx",
        section: "prescription",
        part: "rx",
        method: "PATCH",
        url: visit.urls.prescription,
        body: { general_instructions: advice.value },
        coalesce: "rx-advice",
      },
      { delay: 800 },
    );
  }
  function growAdvice() {
    advice.style.height = "auto";
    advice.style.height = `${Math.max(advice.scrollHeight + 2, 56)}px`;
  }
  growAdvice();
  if (editableRx) {
    advice.addEventListener("input", () => {
      growAdvice();
      saveAdvice();
    });
    if (advice.value !== advice.defaultValue) saveAdvice(); // typed before this script ran
    document.querySelectorAll("[data-advice]").forEach((chip) => {
      chip.addEventListener("click", () => {
        const line = chip.dataset.advice;
        if (advice.value.includes(line)) return;
        advice.value = advice.value.trim() ? `${advice.value.trim()}\n${line}` : line;
        growAdvice();
        saveAdvice();
      });
    });
  } else {
    advice.readOnly = true;
  }

  // --- Outbox results -------------------------------------------------------------------------------------
  function replaceItem(data, extra) {
    const index = items.findIndex((item) => item.id === data.id);
    if (index < 0) return;
    items[index] = Object.assign({}, items[index], data, extra, { pending: false });
    renderList();
  }

  visit.handle("item-add", {
    saved(op, data) {
      if (data && data.id) replaceItem(data, {});
      else replaceItem({ id: op.body.id }, {});
    },
    rejected(op, result, error) {
      return refused(op, error);
    },
    restore(op) {
      if (!items.some((item) => item.id === op.body.id)) items.push(Object.assign({}, op.meta.row, { pending: true }));
      renderList();
    },
  });
  visit.handle("item-update", {
    saved(op, data) {
      replaceItem(data && data.id ? data : { id: op.part.slice(5) }, {});
    },
    rejected(op, result, error) {
      return refused(op, error);
    },
    restore(op) {
      const id = op.part.slice(5);
      items = items.map((item) => (item.id === id ? Object.assign({}, item, op.body, { pending: true }) : item));
      renderList();
    },
    serverPart(detail, op) {
      const id = op.part.slice(5);
      const item = ((detail.prescription && detail.prescription.items) || []).find((i) => i.id === id);
      if (!item) return { matches: false };
      const matches = Object.entries(op.body).every(([name, value]) => name === "overrides" || name === "medicine_id" || String(item[name] ?? "") === String(value ?? ""));
      return { matches, updated_at: item.updated_at };
    },
  });
  visit.handle("item-remove", {
    restore(op) {
      items = items.filter((item) => item.id !== op.meta.id);
      renderList();
    },
  });
  visit.handle("rx", {
    saved(op, data) {
      if (data && data.label) $("rx-label").textContent = data.label;
      visit.emit("rx", data);
    },
    rejected(op, result, error) {
      const fields = error.fields || {};
      if (fields.general_instructions) visit.setError("e-general_instructions", fields.general_instructions[0]);
      else visit.setError("e-general_instructions", error.message);
      return true;
    },
    restore(op) {
      if ("general_instructions" in op.body) {
        advice.value = op.body.general_instructions;
        growAdvice();
      }
    },
  });

  // A half-made choice survives a reload too.
  try {
    const kept = JSON.parse(window.localStorage.getItem(storageKey) || "null");
    if (kept && editableRx) draft = Object.assign(blank(), kept);
  } catch (_) {
    draft = blank();
  }
  visit.items = () => items.slice();
  visit.composerHolds = () => (draft.medicine ? draft.medicine.label : draft.external) || "";
  renderList();
  renderComposer();
});
