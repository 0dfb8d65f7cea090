// The doctor's tablet, amending a signed prescription: "Amend prescription" asks why (chips or
// typed), then POST …/prescriptions/<id>/amend/ starts version n+1 as a draft with the same
// medicines and the page reloads with the builder open on it ("Version 2 — amending RX-…").
// On a completed visit "Sign amended prescription" sends what is still waiting, then signs the new
// version (…/finalize/; a safety warning not overridden comes back as a 409 and is shown) and the
// page reloads with its PDF. Earlier versions keep their own PDFs (docs/decisions/0045).
"use strict";

window.ClinicVisit.register(function amend(visit) {
  const $ = (id) => document.getElementById(id);
  const rx = visit.consultation.prescription;
  const open = $("rx-amend-open");
  const form = $("rx-amend-form");
  const reasonInput = $("amend-reason");
  const start = $("rx-amend-start");
  const sign = $("rx-amend-sign");

  function busy(button, text, original) {
    button.classList.toggle("htmx-request", Boolean(text));
    button.setAttribute("aria-disabled", String(Boolean(text)));
    button.querySelector("[data-label]").textContent = text || original;
  }

  async function call(method, url, body) {
    try {
      return await visit.request(method, url, body);
    } catch (_) {
      return { ok: false, status: 0, error: { message: "No connection to the clinic server: nothing was changed. Try again when the network is back." } };
    }
  }

  if (open && form && rx) {
    open.addEventListener("click", () => {
      form.hidden = !form.hidden;
      open.setAttribute("aria-expanded", String(!form.hidden));
      if (!form.hidden) form.querySelector("[data-amend-reason]").focus();
    });
    form.addEventListener("click", (event) => {
      const chip = event.target.closest("[data-amend-reason]");
      if (!chip) return;
      form.querySelectorAll("[data-amend-reason]").forEach((c) => c.setAttribute("aria-pressed", String(c === chip)));
      reasonInput.value = chip.dataset.amendReason;
      visit.setError("e-amend", "");
    });
    start.addEventListener("click", async () => {
      if (start.getAttribute("aria-disabled") === "true") return;
      const reason = reasonInput.value.trim();
      if (!reason) {
        visit.setError("e-amend", "Choose or type why the prescription is amended.");
        reasonInput.focus();
        return;
      }
      visit.setError("e-amend", "");
      busy(start, "Starting the amendment…", "Start the amendment");
      const result = await call("POST", visit.url("amend", rx.id), { reason });
      if (!result.ok) {
        busy(start, "", "Start the amendment");
        visit.setError("e-amend", (result.error && result.error.message) || "The amendment could not be started.");
        return;
      }
      window.location.reload();
    });
  }

  if (sign && rx && rx.status === "draft") {
    sign.addEventListener("click", async () => {
      if (sign.getAttribute("aria-disabled") === "true") return;
      visit.setError("e-amend-sign", "");
      busy(sign, "Saving the last changes…", "Sign amended prescription");
      const sent = await visit.outbox.drain(15000);
      if (!sent) {
        busy(sign, "", "Sign amended prescription");
        visit.setError("e-amend-sign", "Some changes are still waiting for the network; sign once they are saved.");
        return;
      }
      busy(sign, "Signing…", "Sign amended prescription");
      const result = await call("POST", visit.url("finalize", rx.id));
      if (!result.ok) {
        busy(sign, "", "Sign amended prescription");
        visit.setError("e-amend-sign", (result.error && result.error.message) || "The prescription could not be signed.");
        return;
      }
      window.location.reload();
    });
  }
});
