// The doctor's tablet, notes: SOAP boxes saved as they are typed (one request per pause), template
// chips that fill the empty boxes, boxes that grow with their text.
"use strict";

window.ClinicVisit.register(function notes(visit) {
  const section = document.getElementById("notes");
  const areas = {};
  section.querySelectorAll("[data-note-section]").forEach((area) => {
    areas[area.dataset.noteSection] = area;
  });

  function grow(area) {
    area.style.height = "auto";
    area.style.height = `${Math.max(area.scrollHeight + 2, 56)}px`;
  }

  function refreshDone() {
    visit.setDone("notes", Object.values(areas).some((area) => area.value.trim()));
  }

  function save(name) {
    visit.advance();
    visit.save(
      {
        kind: "note",
        section: "notes",
        part: "note",
        method: "PATCH",
        url: visit.urls.note,
        body: { sections: { [name]: areas[name].value } },
        coalesce: "note",
        useBase: true,
      },
      { delay: 800 },
    );
  }

  Object.entries(areas).forEach(([name, area]) => {
    grow(area);
    if (!visit.editable) return;
    area.addEventListener("input", () => {
      grow(area);
      visit.setError(`e-n-${name}`, "");
      refreshDone();
      save(name);
    });
    if (area.value !== area.defaultValue) save(name); // typed before this script ran
  });

  section.querySelectorAll("[data-template]").forEach((chip) => {
    chip.addEventListener("click", () => {
      if (chip.getAttribute("aria-busy") === "true") return;
      chip.setAttribute("aria-busy", "true");
      visit.advance();
      visit.save({
        kind: "note-template",
        section: "notes",
        part: "note",
        method: "POST",
        url: visit.urls.note_template,
        body: { template_id: chip.dataset.template },
      });
    });
  });

  function fillEmpty(sections) {
    Object.entries(sections || {}).forEach(([name, text]) => {
      const area = areas[name];
      if (area && !area.value.trim() && text) {
        area.value = text;
        grow(area);
      }
    });
    refreshDone();
  }

  visit.handle("note", {
    rejected(op, result, error) {
      const fields = error.fields || {};
      const names = Object.keys(fields).filter((name) => areas[name]);
      names.forEach((name) => visit.setError(`e-n-${name}`, fields[name][0]));
      if (!names.length) visit.setError("e-n-chief_complaint", error.message);
      return true;
    },
    restore(op) {
      Object.entries((op.body && op.body.sections) || {}).forEach(([name, text]) => {
        if (areas[name]) {
          areas[name].value = text;
          grow(areas[name]);
        }
      });
      refreshDone();
    },
    serverPart(detail, op) {
      const note = detail.note || { sections: {} };
      const matches = Object.entries((op.body && op.body.sections) || {}).every(
        ([name, text]) => (note.sections[name] || "") === String(text || "").trim(),
      );
      return { matches, updated_at: note.updated_at };
    },
  });

  visit.handle("note-template", {
    saved(op, data) {
      section.querySelectorAll("[data-template]").forEach((chip) => chip.removeAttribute("aria-busy"));
      fillEmpty(data.sections);
    },
    rejected(op, result, error) {
      section.querySelectorAll("[data-template]").forEach((chip) => chip.removeAttribute("aria-busy"));
      visit.setError("e-n-chief_complaint", error.message);
      return true;
    },
  });

  visit.handle("transition", {
    rejected() {
      return "quiet"; // the visit had moved on already (another tab): nothing to show
    },
  });

  // The voice console (static/js/voice/console.js) put its draft into the note or verified it:
  // show the server's note. A box with typed text still waiting to be sent keeps that text.
  document.addEventListener("voice:note-accepted", (event) => {
    const note = event.detail && event.detail.note;
    if (!note) return;
    const waiting = new Set();
    visit.outbox.pending().forEach((op) => {
      if (op.kind === "note") Object.keys((op.body && op.body.sections) || {}).forEach((n) => waiting.add(n));
    });
    Object.entries(note.sections || {}).forEach(([name, text]) => {
      if (areas[name] && !waiting.has(name)) {
        areas[name].value = text || "";
        grow(areas[name]);
      }
    });
    if (note.updated_at) visit.versions.note = note.updated_at;
    if (Object.values(note.sections || {}).some((text) => text)) visit.advance();
    const mark = document.getElementById("note-state");
    if (mark && note.verified_at) mark.textContent = `Verified by ${note.verified_by || "you"}.`;
    refreshDone();
  });

  refreshDone();
});
