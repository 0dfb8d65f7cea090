// The doctor's tablet, visit page: the shared core the section scripts (vitals.js, notes.js,
// diagnoses.js, prescription.js, complete.js) plug into (docs/decisions/0045).
//
//   visit.save(op)        queue a change in the outbox (outbox.js); the "saved" mark follows it
//   visit.handle(kind, {saved, rejected, restore, serverPart})
//                         what a section does when its change is saved or refused, how it shows a
//                         change still waiting after a reload, and how to tell (after a 409 stale)
//                         whether the server already holds it
//   visit.setStatus(s)    the visit's status in the sticky bar
//   visit.advance()       move a visit still before the examination into it (once notes begin)
//   visit.setDone(section, done)   the tick beside the section in the navigation
// Versions: each saved part (vitals, note, item:<id>) remembers the updated_at it was last seen
// at; a change is sent with it as expected_updated_at so that someone else's save in between is
// a conflict, shown with a reload choice, not an overwrite.
"use strict";

(function () {
  const { Outbox, request } = window.ClinicOutbox;
  const modules = [];
  window.ClinicVisit = { register: (init) => modules.push(init) };

  const STATUS_WORDS = {
    started: "Started",
    vitals_captured: "Vitals captured",
    in_examination: "In examination",
    prescription_done: "Prescription done",
    completed: "Completed",
    cancelled: "Cancelled",
  };
  const SECTION_NAMES = {
    vitals: "Vitals",
    notes: "Notes",
    diagnoses: "Diagnosis",
    prescription: "Prescription",
    orders: "Follow-up",
  };
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

  function clock(date) {
    const h = date.getHours();
    return `${h % 12 || 12}:${String(date.getMinutes()).padStart(2, "0")} ${h < 12 ? "am" : "pm"}`;
  }

  /** "2026-11-26" -> "Thu, 26 Nov 2026" (weekday optional); Indian order, no time zone shift. */
  function formatDate(iso, { weekday = false } = {}) {
    if (!iso) return "";
    const [y, m, d] = iso.split("-").map(Number);
    const day = new Date(Date.UTC(y, m - 1, d));
    const text = `${d} ${MONTHS[m - 1]} ${y}`;
    return weekday ? `${DAYS[day.getUTCDay()]}, ${text}` : text;
  }

  function boot() {
    const root = document.getElementById("visit");
    const stateNode = document.getElementById("visit-state");
    if (!root || !stateNode) return;
    const state = JSON.parse(stateNode.textContent);
    const consultation = state.consultation;
    const urls = state.urls;
    const icons = root.dataset.icons;

    const visit = {
      root,
      state,
      consultation,
      urls,
      editable: state.can_edit,
      vitalsEditable: state.can_record_vitals,
      status: consultation.status,
      versions: {},
      handlers: {},
      sectionErrors: {},
      savedSections: new Set(),
      listeners: {},
      formatDate,
      clock,
      request,
    };
    if (consultation.vitals) visit.versions.vitals = consultation.vitals.updated_at;
    if (consultation.note) visit.versions.note = consultation.note.updated_at;
    ((consultation.prescription && consultation.prescription.items) || []).forEach((item) => {
      visit.versions[`item:${item.id}`] = item.updated_at;
    });

    visit.url = (name, id) => urls[name].replace(urls.zero, id);
    visit.icon = (name, cls) =>
      `<svg class="icon${cls ? " " + cls : ""}" aria-hidden="true" focusable="false"><use href="${icons}#${name}"></use></svg>`;
    visit.on = (event, fn) => (visit.listeners[event] = visit.listeners[event] || []).push(fn);
    visit.emit = (event, data) => (visit.listeners[event] || []).forEach((fn) => fn(data));
    visit.handle = (kind, handlers) => {
      visit.handlers[kind] = handlers;
    };

    /** Show (or clear, with "") a message in the error line `id`; marks the input it describes. */
    visit.setError = (id, message) => {
      const line = document.getElementById(id);
      if (!line) return;
      line.innerHTML = message ? `${visit.icon("alert")}<span></span>` : "";
      if (message) line.querySelector("span").textContent = message;
      document.querySelectorAll(`[aria-describedby~="${id}"]`).forEach((input) => {
        if (message) input.setAttribute("aria-invalid", "true");
        else input.removeAttribute("aria-invalid");
      });
    };

    // --- Status -----------------------------------------------------------------------------------
    const statusBox = document.getElementById("visit-status");
    visit.setStatus = (status) => {
      if (!status || status === visit.status) return;
      visit.status = status;
      statusBox.dataset.status = status;
      const badge = statusBox.querySelector(".status");
      if (badge) {
        badge.querySelector("span").textContent = STATUS_WORDS[status] || status;
        badge.className = `status status--${
          status === "completed" ? "completed" : status === "cancelled" ? "cancelled" : "active"
        }`;
      }
      visit.emit("status", status);
    };

    visit.advance = () => {
      if (!["started", "vitals_captured"].includes(visit.status)) return;
      if (outbox.pending((op) => op.kind === "transition").length) return;
      visit.save({
        kind: "transition",
        section: "notes",
        part: "consultation",
        method: "POST",
        url: urls.transition,
        body: { to_status: "in_examination" },
      });
    };

    // --- Navigation ticks and the sticky bar's height ------------------------------------------
    visit.setDone = (section, done) => {
      const link = document.querySelector(`[data-nav="${section}"]`);
      if (!link) return;
      link.classList.toggle("is-done", Boolean(done));
      link.querySelector("[data-nav-state]").textContent = done ? " (done)" : "";
    };
    const bar = document.getElementById("visit-bar");
    const setBarHeight = () => root.style.setProperty("--bar-h", `${bar.offsetHeight}px`);
    setBarHeight();
    if (window.ResizeObserver) new ResizeObserver(setBarHeight).observe(bar);

    // --- The "saved" mark --------------------------------------------------------------------------
    const mark = document.getElementById("saved-mark");
    const conflictsBox = document.getElementById("conflicts");

    function showMark(summary) {
      let stateName = "idle";
      let html = `<span class="saved-mark__text">${visit.editable ? "Changes save as you go" : mark.textContent}</span>`;
      const errors = Object.keys(visit.sectionErrors).filter((s) => visit.sectionErrors[s]);
      const n = summary.pending;
      const kept = `${n} change${n === 1 ? "" : "s"} kept on this tablet`;
      if (summary.signedOut) {
        stateName = "signed-out";
        const next = encodeURIComponent(window.location.pathname);
        html = `${visit.icon("alert")}<span class="saved-mark__text">Signed out: ${kept}. <a href="${urls.login}?next=${next}">Sign in again</a></span>`;
      } else if (summary.conflicts.length) {
        stateName = "conflict";
        html = `${visit.icon("alert")}<span class="saved-mark__text">Not saved: <a href="#conflicts">changed elsewhere</a></span>`;
      } else if (summary.offline) {
        stateName = "offline";
        html = `${visit.icon("alert")}<span class="saved-mark__text">No connection: ${kept}; they are sent when it is back</span>`;
      } else if (n) {
        stateName = "saving";
        html = `<span class="spinner" aria-hidden="true"></span><span class="saved-mark__text">Saving…</span>`;
      } else if (errors.length) {
        stateName = "error";
        html = `${visit.icon("alert")}<span class="saved-mark__text">Not saved: see <a href="#${errors[0]}">${SECTION_NAMES[errors[0]] || errors[0]}</a></span>`;
      } else if (summary.lastSavedAt) {
        stateName = "saved";
        html = `${visit.icon("check")}<span class="saved-mark__text">All changes saved ${clock(summary.lastSavedAt)}</span>`;
      }
      if (summary.storageFailed) html += `<span class="saved-mark__text"> (this browser cannot keep them across a reload)</span>`;
      if (mark.dataset.state !== stateName || mark.dataset.html !== html) {
        mark.dataset.state = stateName;
        mark.dataset.html = html;
        mark.innerHTML = html;
      }
      Object.keys(SECTION_NAMES).forEach((section) => {
        const sectionMark = document.querySelector(`[data-mark="${section}"]`);
        if (!sectionMark) return;
        let text = "";
        let kind = "";
        if (summary.waitingSections.includes(section)) {
          text = summary.offline ? "Waiting for the network" : "Saving…";
          kind = "saving";
        } else if (visit.sectionErrors[section]) {
          text = "Not saved";
          kind = "error";
        } else if (visit.savedSections.has(section)) {
          text = "Saved";
          kind = "saved";
        }
        if (sectionMark.dataset.kind !== kind || sectionMark.textContent !== text) {
          sectionMark.dataset.kind = kind;
          sectionMark.innerHTML = kind === "saved" ? `${visit.icon("check", "icon--sm")}<span>${text}</span>` : text;
        }
      });
      showConflicts(summary.conflicts);
    }

    function showConflicts(conflicts) {
      if (!conflicts.length) {
        conflictsBox.hidden = true;
        conflictsBox.innerHTML = "";
        return;
      }
      const parts = Array.from(new Set(conflicts.map((op) => SECTION_NAMES[op.section] || op.section)));
      conflictsBox.hidden = false;
      conflictsBox.innerHTML = `${visit.icon("alert")}<div class="alert__body">
        <p class="alert__title">Someone else changed this visit while you were editing</p>
        <p>Your change to <strong></strong> was not saved, so nothing of theirs was overwritten.
        Reload to see their version, or keep yours and replace theirs.</p>
        <div class="alert__actions">
          <button type="button" class="btn btn--primary" data-conflict="theirs">Reload to see theirs</button>
          <button type="button" class="btn btn--secondary" data-conflict="mine">Keep my version</button>
        </div></div>`;
      conflictsBox.querySelector("strong").textContent = parts.join(", ").toLowerCase();
    }

    conflictsBox.addEventListener("click", (event) => {
      const button = event.target.closest("[data-conflict]");
      if (!button) return;
      const choice = button.dataset.conflict;
      outbox.conflicts.slice().forEach((op) => outbox.resolve(op.id, choice));
      if (choice === "theirs") window.location.reload();
    });

    // --- The outbox --------------------------------------------------------------------------------
    function rebase(part, from, to) {
      if (!part || !to) return;
      outbox.update((op) => {
        if (op.part === part && op.useBase && op.base === from) op.base = to;
      });
      visit.versions[part] = to;
    }

    const outbox = new Outbox(`ic-visit:${state.user}:${consultation.id}`, {
      send(op) {
        op.sentVersion = visit.versions[op.part];
        let body = op.body;
        if (body && op.useBase && op.base && !op.force) body = Object.assign({}, body, { expected_updated_at: op.base });
        return request(op.method, op.url, body);
      },
      saved(op, result) {
        const data = result.resolvedData || result.data || {};
        if (!result.resolvedData && data.updated_at && op.part) {
          rebase(op.part, op.useBase && !op.force ? op.base : op.sentVersion, data.updated_at);
        }
        if (data.consultation && data.consultation.status) visit.setStatus(data.consultation.status);
        visit.savedSections.add(op.section);
        delete visit.sectionErrors[op.section];
        const handler = visit.handlers[op.kind];
        if (handler && handler.saved) handler.saved(op, data);
      },
      rejected(op, result) {
        const handler = visit.handlers[op.kind];
        const error = result.error || { message: `The server refused this change (error ${result.status}).` };
        const shown = handler && handler.rejected ? handler.rejected(op, result, error) : false;
        if (shown !== "quiet") visit.sectionErrors[op.section] = error.message;
        if (!shown && window.clinicToast) window.clinicToast("error", error.message);
      },
      async stale(op) {
        const handler = visit.handlers[op.kind];
        if (!handler || !handler.serverPart) return "conflict";
        const detail = await request("GET", urls.detail);
        if (!detail.ok) return detail.status === 0 || detail.status >= 500 ? "retry" : "conflict";
        const server = handler.serverPart(detail.data, op) || {};
        if (server.matches) {
          rebase(op.part, op.base, server.updated_at);
          return "saved";
        }
        return "conflict";
      },
      changed: showMark,
    });
    visit.outbox = outbox;

    visit.save = (op, { delay = 0 } = {}) => {
      if (op.useBase && op.base === undefined) op.base = visit.versions[op.part];
      delete visit.sectionErrors[op.section];
      return outbox.enqueue(op, { delay });
    };

    // --- Start: sections, then whatever was left waiting (a reload mid-way), then send ----------
    modules.forEach((init) => init(visit));
    outbox.pending().concat(outbox.conflicts).forEach((op) => {
      const handler = visit.handlers[op.kind];
      if (handler && handler.restore) handler.restore(op);
    });
    visit.emit("ready");
    showMark(outbox.summary());
    outbox.kick();
    root.dataset.ready = "true";
    window.addEventListener("beforeunload", () => outbox.write());
    document.getElementById("voice-jump").addEventListener("click", () => {
      window.setTimeout(() => document.getElementById("voice").focus({ preventScroll: true }), 0);
    });
  }

  document.addEventListener("DOMContentLoaded", boot);
})();
