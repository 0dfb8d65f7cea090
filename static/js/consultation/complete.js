// The doctor's tablet, follow-up and completing: follow-up date chips (1 week, 2 weeks, 1 month)
// or a date; a checklist of what the visit has; one clear "Complete visit" button that sends
// whatever is still waiting, signs the prescription, walks the visit to completed and offers the
// prescription PDF.
"use strict";

window.ClinicVisit.register(function complete(visit) {
  const $ = (id) => document.getElementById(id);
  const rx = visit.consultation.prescription;
  const editable = visit.editable && (!rx || rx.status === "draft");
  let followUp = (rx && rx.follow_up_date) || "";

  // --- Follow-up -----------------------------------------------------------------------------------
  const chips = $("fu-chips");
  const dateInput = $("fu-date");
  const summary = $("fu-summary");

  function renderFollowUp() {
    chips.querySelectorAll("[data-follow-up]").forEach((chip) => {
      const value = chip.dataset.followUp;
      chip.setAttribute("aria-pressed", String(value === followUp && (value !== "" || chosen)));
    });
    const fromChip = Array.from(chips.querySelectorAll("[data-follow-up]")).some((c) => c.dataset.followUp === followUp);
    if (document.activeElement !== dateInput) dateInput.value = followUp && !fromChip ? followUp : "";
    summary.textContent = followUp ? `Follow-up on ${visit.formatDate(followUp, { weekday: true })}; printed on the prescription.` : chosen ? "No follow-up." : "";
    visit.setDone("orders", Boolean(followUp) || chosen);
    renderChecklist();
  }
  let chosen = Boolean(followUp);

  function setFollowUp(value) {
    visit.setError("e-follow_up_date", "");
    if (!visit.editable) {
      // Completed on this page: the prescription is signed; the day only looks for free times.
      if (value && value > visit.state.today) visit.emit("follow-up-day", value);
      return;
    }
    if (value && value <= visit.state.today) {
      visit.setError("e-follow_up_date", "The follow-up date must be after today.");
      return;
    }
    followUp = value;
    chosen = true;
    renderFollowUp();
    if (value) visit.emit("follow-up-day", value);
    visit.advance();
    visit.save({
      kind: "rx-follow-up",
      section: "orders",
      part: "rx",
      method: "PATCH",
      url: visit.urls.prescription,
      body: { follow_up_date: value || null },
      coalesce: "rx-follow-up",
    });
  }

  if (editable) {
    chips.addEventListener("click", (event) => {
      const chip = event.target.closest("[data-follow-up]");
      if (chip) setFollowUp(chip.dataset.followUp);
    });
    dateInput.addEventListener("change", () => setFollowUp(dateInput.value));
  } else if (visit.state.can_book_follow_up) {
    // After the visit (or with the prescription signed) the day is not printed any more, but the
    // doctor may still look for a free time around it and book the follow-up (follow_up.js).
    chips.querySelector('[data-follow-up=""]').disabled = true;
    chips.addEventListener("click", (event) => {
      const chip = event.target.closest("[data-follow-up]");
      if (!chip || !chip.dataset.followUp) return;
      chips.querySelectorAll("[data-follow-up]").forEach((c) => c.setAttribute("aria-pressed", String(c === chip)));
      visit.emit("follow-up-day", chip.dataset.followUp);
    });
    dateInput.addEventListener("change", () => {
      if (dateInput.value > visit.state.today) visit.emit("follow-up-day", dateInput.value);
    });
  } else {
    chips.querySelectorAll("button").forEach((b) => {
      b.disabled = true;
    });
    dateInput.disabled = true;
  }

  visit.handle("rx-follow-up", {
    rejected(op, result, error) {
      const fields = error.fields || {};
      visit.setError("e-follow_up_date", (fields.follow_up_date || [error.message])[0]);
      return true;
    },
    restore(op) {
      followUp = op.body.follow_up_date || "";
      chosen = true;
      renderFollowUp();
    },
  });

  // --- Checklist ----------------------------------------------------------------------------------
  const checklist = $("checklist");
  function renderChecklist() {
    if (!checklist) return;
    const vitalsDone = Array.from(document.querySelectorAll("[data-vital]")).some((i) => i.value.trim());
    const notesDone = Array.from(document.querySelectorAll("[data-note-section]")).some((a) => a.value.trim());
    const dx = visit.diagnoses ? visit.diagnoses() : [];
    const items = visit.items ? visit.items() : [];
    const primary = dx.find((d) => d.is_primary);
    const rows = [
      ["vitals", vitalsDone, vitalsDone ? "Vitals recorded" : "No vitals recorded (optional)"],
      ["notes", notesDone, notesDone ? "Notes written" : "No notes yet"],
      ["diagnoses", dx.length > 0, primary ? `Diagnosis: ${primary.code} ${primary.title}${dx.length > 1 ? ` and ${dx.length - 1} more` : ""}` : "No diagnosis yet"],
      ["prescription", items.length > 0, items.length ? `${items.length} medicine${items.length === 1 ? "" : "s"}` : "No medicines"],
      ["orders", Boolean(followUp) || chosen, followUp ? `Follow-up ${visit.formatDate(followUp)}` : chosen ? "No follow-up" : "Follow-up not chosen"],
    ];
    checklist.innerHTML = "";
    rows.forEach(([section, done, text]) => {
      const li = document.createElement("li");
      li.className = done ? "is-done" : "is-open";
      li.innerHTML = `${visit.icon(done ? "check-circle" : "info")}<a></a>`;
      li.querySelector("a").href = `#${section}`;
      li.querySelector("a").textContent = text;
      checklist.appendChild(li);
    });
  }
  ["diagnoses", "items", "ready"].forEach((event) => visit.on(event, renderChecklist));
  document.addEventListener("input", (event) => {
    if (event.target.matches("[data-vital], [data-note-section]")) renderChecklist();
  });

  // --- Where the visit is ---------------------------------------------------------------------------
  function renderSteps(status) {
    const steps = Array.from(document.querySelectorAll("[data-step]"));
    const current = steps.findIndex((step) => step.dataset.step === status);
    const over = status === "completed";
    steps.forEach((step, index) => {
      step.classList.toggle("is-done", current >= 0 && (index < current || over));
      step.classList.toggle("is-current", index === current && !over);
      if (index === current) step.setAttribute("aria-current", "step");
      else step.removeAttribute("aria-current");
    });
    visit.setDone("complete", status === "completed");
  }
  visit.on("status", renderSteps);
  renderSteps(visit.status);

  // --- Completing ---------------------------------------------------------------------------------
  const button = $("complete-btn");
  const label = button ? button.querySelector("[data-label]") : null;
  const errorBox = $("complete-error");
  const dialog = $("complete-dialog");
  const PATH = {
    started: ["in_examination", "prescription_done", "completed"],
    vitals_captured: ["in_examination", "prescription_done", "completed"],
    in_examination: ["prescription_done", "completed"],
    prescription_done: ["completed"],
  };

  function busy(text) {
    button.classList.toggle("htmx-request", Boolean(text));
    button.setAttribute("aria-disabled", String(Boolean(text)));
    label.textContent = text || "Complete visit";
  }

  function fail(message) {
    errorBox.hidden = false;
    errorBox.innerHTML = `${visit.icon("alert")}<div class="alert__body"><p class="alert__title">The visit is not completed yet</p><p></p></div>`;
    errorBox.querySelector("p:last-child").textContent = message;
    busy("");
    errorBox.scrollIntoView({ block: "center" });
  }

  async function call(method, url, body) {
    try {
      return await visit.request(method, url, body);
    } catch (_) {
      return { ok: false, status: 0, error: { message: "No connection to the clinic server. Nothing more was changed; try again when the network is back." } };
    }
  }

  async function run() {
    errorBox.hidden = true;
    busy("Saving the last changes…");
    const sent = await visit.outbox.drain(15000);
    if (!sent) {
      fail(visit.outbox.conflicts.length
        ? "Someone else changed this visit: choose whose version to keep (message at the top), then complete."
        : "Some changes are still waiting for the network. They are kept on this tablet; complete once they are saved.");
      return;
    }
    if (Object.values(visit.sectionErrors).some(Boolean)) {
      fail("Some changes were not saved (marked in red). Correct them first.");
      return;
    }
    busy("Signing the prescription…");
    let current = await call("GET", visit.urls.prescription);
    if (current.status !== 404 && !current.ok) {
      fail((current.error && current.error.message) || "The prescription could not be read.");
      return;
    }
    let prescription = current.ok ? current.data : null;
    if (prescription && prescription.status === "draft" && (prescription.items.length || prescription.general_instructions.trim())) {
      const signed = await call("POST", visit.url("finalize", prescription.id));
      if (!signed.ok) {
        fail((signed.error && signed.error.message) || "The prescription could not be signed.");
        return;
      }
      prescription = signed.data;
    }
    busy("Completing…");
    let result = null;
    for (const status of PATH[visit.status] || []) {
      result = await call("POST", visit.urls.transition, { to_status: status });
      if (!result.ok) {
        fail((result.error && result.error.message) || "The visit could not move on.");
        return;
      }
      visit.setStatus(result.data.consultation.status);
    }
    busy("");
    done(prescription, result ? result.data : null);
  }

  function done(prescription, outcome) {
    $("complete-actions").hidden = true;
    $("completed-panel").hidden = false;
    $("completed-text").textContent = `Visit completed at ${visit.clock(new Date())}.`;
    const link = $("pdf-link");
    if (prescription && prescription.pdf_url) {
      link.href = prescription.pdf_url;
      link.setAttribute("download", `${prescription.label.replace(/\s+/g, "-")}.pdf`);
      link.hidden = false;
    }
    const prompt = outcome && outcome.follow_up_prompt;
    if (prompt && prompt.needed && followUp) {
      $("follow-up-prompt").textContent = $("fu-booked") && !$("fu-booked").hidden
        ? "The follow-up visit is booked (see Follow-up)."
        : `Follow-up on ${visit.formatDate(followUp, { weekday: true })}: book a time for it under Follow-up, or the front desk books it from the prescription.`;
    }
    visit.editable = false;
    document.querySelectorAll("#visit .visit-sections textarea, #visit .visit-sections input").forEach((el) => {
      el.readOnly = true;
    });
    document.querySelectorAll("#composer, #dx-picker, [data-template], [data-advice], .stepper__btn, [data-follow-up=''], #rx-list button, #dx-list button").forEach((el) => {
      if (el.matches("button")) el.disabled = true;
      else el.hidden = true;
    });
    $("complete").scrollIntoView({ block: "start" });
    $("pdf-link").focus({ preventScroll: true });
  }

  if (button && visit.editable) {
    button.addEventListener("click", () => {
      if (button.getAttribute("aria-disabled") === "true") return;
      const items = visit.items ? visit.items().length : 0;
      const waiting = visit.composerHolds ? visit.composerHolds() : "";
      $("confirm-text").textContent =
        (items
          ? `The prescription (${items} medicine${items === 1 ? "" : "s"}) is signed and can then only be changed by an amendment.`
          : "No medicines are prescribed. The visit closes and your notes are marked verified.") +
        (waiting ? ` ${waiting} is still in the “Add a medicine” box and is not on the prescription.` : "");
      if (typeof dialog.showModal === "function") dialog.showModal();
      else run();
    });
    $("confirm-yes").addEventListener("click", () => {
      dialog.close();
      run();
    });
    $("confirm-no").addEventListener("click", () => dialog.close());
  }

  renderFollowUp();
});
