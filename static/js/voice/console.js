// The voice console on the doctor's visit page (decision 0046; the socket's protocol is in
// voice/consumers.py). Consent first; then the microphone through an AudioWorklet
// (pcm-worklet.js) as PCM16 16 kHz mono frames, each sent as one binary websocket frame that
// starts with its 4-byte big-endian chunk index. A frame stays in `pending` until the server acks
// it, so after a dropped connection the console reconnects, asks where the server is (`resume`)
// and sends again from its next_index: nothing recorded is lost. Then the live transcript, "Generate
// notes" (polled), the review of the draft with its evidence, and accepting it into the note
// (the server reads the draft itself; notes.js refreshes the SOAP boxes on `voice:note-accepted`).
"use strict";

(function () {
  const root = document.querySelector("[data-voice-console]");
  if (!root || root.dataset.editable !== "true") return; // read-only visit: the doctor records
  const $ = (id) => document.getElementById(id);
  const request = window.ClinicOutbox.request;
  const cfg = root.dataset;
  const RATE = 16000;
  const FRAME_MS = 250;
  const OPEN = ["awaiting_consent", "consented", "recording"];
  const SECTIONS = [
    ["chief_complaint", "Chief complaint"],
    ["history_of_present_illness", "History of present illness"],
    ["subjective", "Subjective"],
    ["objective", "Objective"],
    ["assessment", "Assessment"],
    ["plan", "Plan"],
  ];

  const el = {
    state: $("vc-state"),
    error: $("vc-error"),
    meterRow: $("vc-meter-row"),
    meter: $("vc-meter"),
    time: $("vc-time"),
    queue: $("vc-queue"),
    record: $("vc-record"),
    pause: $("vc-pause"),
    resume: $("vc-resume"),
    stop: $("vc-stop"),
    transcriptWrap: $("vc-transcript-wrap"),
    transcript: $("vc-transcript"),
    interim: $("vc-interim"),
    notes: $("vc-notes"),
    generate: $("vc-generate"),
    progress: $("vc-progress"),
    reviewOpen: $("vc-review-open"),
    withdraw: $("vc-withdraw"),
    consent: $("vc-consent"),
    referenceField: $("vc-reference-field"),
    reference: $("vc-reference"),
    consentError: $("vc-consent-error"),
    withdrawDialog: $("vc-withdraw-dialog"),
    deleteAudio: $("vc-delete-audio"),
    withdrawError: $("vc-withdraw-error"),
    review: $("vc-review"),
    reviewMeta: $("vc-review-meta"),
    draft: $("vc-draft"),
    said: $("vc-said"),
    reviewError: $("vc-review-error"),
    accept: $("vc-accept"),
    verify: $("vc-verify"),
  };

  let rec = null; // the recording's status, as the API and the socket's `finalized` give it
  let socket = null;
  let live = false; // the socket is ready to take frames (after `ready`, or `resume` after a drop)
  let everConnected = false;
  let closedForGood = false;
  let reconnectDelay = 1000;
  let reconnectTimer = null;
  let pingTimer = null;
  let mic = null; // {stream, context, node}
  let paused = false;
  let stopping = false;
  let nextIndex = 0;
  let resyncFrom = -1;
  const pending = []; // [{index, frame}] sent or not, never acknowledged yet
  let baseSeconds = 0;
  let capturedSamples = 0;
  let pollTimer = null;
  let draftDoc = null;
  let accepted = false; // this draft is in the note, waiting for "Verify"
  let method = "verbal_recorded";

  const base = () => `${cfg.startUrl}${rec.id}/`;
  const api = (verb, url, body) =>
    request(verb, url, body).catch(() => ({ ok: false, status: 0, data: null, error: null }));
  const messageOf = (result, fallback) =>
    (result.error && result.error.message) ||
    (result.status === 0 ? "No connection to the clinic's server. Try again in a moment." : fallback);

  // --- What the doctor sees --------------------------------------------------------------------
  const BUTTONS = {
    idle: ["record"],
    connecting: [],
    recording: ["pause", "stop"],
    paused: ["resume", "stop"],
    reconnecting: ["stop"],
    finalizing: [],
    finalized: [],
    failed: ["record"],
    withdrawn: ["record"],
  };

  function setState(state, text) {
    el.state.dataset.state = state;
    root.dataset.state = state;
    el.state.textContent = text;
    const shown = BUTTONS[state] || [];
    ["record", "pause", "resume", "stop"].forEach((name) => {
      el[name].hidden = !shown.includes(name);
    });
    el.meterRow.hidden = !["recording", "paused", "reconnecting", "finalizing"].includes(state);
    el.withdraw.hidden = !(rec && rec.consent && rec.consent.given && !rec.consent.withdrawn_at);
    showQueue();
  }

  function showError(text) {
    el.error.hidden = !text;
    el.error.textContent = text || "";
  }

  function fail(text) {
    // Final until the doctor tries again: no reconnecting behind the message.
    closedForGood = true;
    clearTimeout(reconnectTimer);
    if (socket) socket.close(1000);
    stopMic();
    setState("failed", "Recording stopped");
    showError(text);
    el.record.textContent = rec && OPEN.includes(rec.status) ? "Try again" : "Record the visit";
  }

  function showDemo(demo) {
    if (!demo || $("vc-demo")) return;
    const note = document.createElement("p");
    note.className = "vc__demo";
    note.id = "vc-demo";
    note.innerHTML = "<strong>Demo:</strong> nothing is sent to any service.";
    el.state.parentNode.after(note);
  }

  function clock(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }

  function showTime() {
    el.time.textContent = clock(baseSeconds + capturedSamples / RATE);
  }

  function showQueue() {
    const waiting = pending.length;
    // A frame or two always waits for its ack; say so only when audio is really piling up here.
    const piling = waiting && (!live || waiting * FRAME_MS >= 2000);
    el.queue.textContent = piling ? `${clock((waiting * FRAME_MS) / 1000)} of audio kept on this tablet` : "";
  }

  function speakerName(speaker) {
    return speaker === null || speaker === undefined ? "Someone" : `Speaker ${Number(speaker) + 1}`;
  }

  function utteranceItem(utterance) {
    const item = document.createElement("li");
    item.className = "vc-utt";
    item.dataset.utterance = utterance.id || "";
    const who = document.createElement("span");
    who.className = "vc-utt__who";
    who.textContent = `${speakerName(utterance.speaker)}: `;
    const text = document.createElement("span");
    text.className = "vc-utt__text";
    text.textContent = utterance.text;
    item.append(who, text);
    return item;
  }

  function appendUtterance(utterance) {
    el.transcriptWrap.hidden = false;
    el.transcript.append(utteranceItem(utterance));
    el.interim.textContent = "";
    el.transcript.scrollTop = el.transcript.scrollHeight;
  }

  function showTranscript(utterances) {
    el.transcript.replaceChildren(...utterances.map(utteranceItem));
    el.said.replaceChildren(...utterances.map(utteranceItem));
    el.transcriptWrap.hidden = !utterances.length;
  }

  // --- The socket --------------------------------------------------------------------------------
  function frameOf(index, pcm) {
    const frame = new Uint8Array(4 + pcm.byteLength);
    new DataView(frame.buffer).setUint32(0, index, false);
    frame.set(new Uint8Array(pcm), 4);
    return frame.buffer;
  }

  function sendPending() {
    if (!live || !socket) return;
    pending.forEach((item) => socket.send(item.frame));
  }

  function dropAcknowledged(nextNeeded) {
    while (pending.length && pending[0].index < nextNeeded) pending.shift();
    showQueue();
  }

  function connect() {
    clearTimeout(reconnectTimer);
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${scheme}//${window.location.host}/ws/voice/${rec.id}/`);
    ws.binaryType = "arraybuffer";
    socket = ws;
    live = false;
    ws.onmessage = (event) => {
      if (ws !== socket || typeof event.data !== "string") return;
      let message;
      try {
        message = JSON.parse(event.data);
      } catch (_) {
        return;
      }
      onMessage(ws, message);
    };
    ws.onclose = (event) => onClose(ws, event);
  }

  async function onMessage(ws, m) {
    switch (m.type) {
      case "ready":
        showDemo(m.demo);
        if (m.audio_format !== "pcm16") return fail("This recording is not live audio; it cannot be continued here.");
        if (m.consent_required) return fail("The patient's consent is not recorded; ask again before recording.");
        reconnectDelay = 1000;
        if (!everConnected) {
          everConnected = true;
          nextIndex = m.next_index;
          live = true;
          try {
            await startMic();
          } catch (error) {
            closedForGood = true;
            ws.close(1000);
            return fail(`The microphone could not be used (${error.name || error}). Allow the microphone for this site and try again.`);
          }
          showError("");
          setState("recording", "Recording");
        } else {
          ws.send(JSON.stringify({ type: "resume", next_index: pending.length ? pending[0].index : nextIndex }));
        }
        break;
      case "resume":
        dropAcknowledged(m.next_index);
        if (pending.length && pending[0].index !== m.next_index) {
          return fail("Some audio was lost while the connection was down; stop and record again.");
        }
        if (!pending.length && nextIndex < m.next_index) nextIndex = m.next_index;
        live = true;
        showError("");
        sendPending();
        if (stopping) maybeFinish();
        else setState(paused ? "paused" : "recording", paused ? "Paused" : "Recording");
        break;
      case "ack":
        dropAcknowledged(m.index + 1);
        if (stopping) maybeFinish();
        break;
      case "error":
        if (m.next_index !== undefined && m.index !== undefined && m.index > m.next_index) {
          // A frame the server cannot place yet (one before it went missing): ask where the server
          // is and send again from there, as after a reconnect. Each gap asks once.
          if (live && resyncFrom !== m.next_index) {
            resyncFrom = m.next_index;
            live = false;
            ws.send(JSON.stringify({ type: "resume", next_index: m.next_index }));
          }
          return;
        }
        if (m.code === "consent_required" || m.code === "recording_closed") {
          closedForGood = true;
          return fail(m.message);
        }
        showError(m.message);
        if (stopping && m.index === undefined) setState("failed", "Could not finish the recording");
        break;
      case "interim":
        el.transcriptWrap.hidden = false;
        el.interim.textContent = m.text ? `${speakerName(m.speaker)}: ${m.text}` : "";
        break;
      case "final":
        appendUtterance(m.utterance);
        break;
      case "finalized":
        closedForGood = true;
        rec = m;
        stopMic();
        showFinalized();
        break;
      case "stopped":
        closedForGood = true;
        stopMic();
        await refresh();
        break;
      default:
        break;
    }
  }

  function onClose(ws, event) {
    if (ws !== socket) return;
    socket = null;
    live = false;
    if (closedForGood) return;
    const refusals = {
      4401: "You are signed out. Sign in again, then record.",
      4403: "Only the visit's doctor can record it.",
      4404: "This recording no longer exists.",
    };
    if (refusals[event.code]) {
      closedForGood = true;
      return fail(refusals[event.code]);
    }
    if (event.code === 4409) {
      closedForGood = true;
      stopMic();
      refresh();
      return;
    }
    setState("reconnecting", "Connection lost: reconnecting…");
    showError(pending.length ? "The audio is kept on this tablet and sent when the connection is back." : "");
    reconnectTimer = setTimeout(connect, reconnectDelay);
    reconnectDelay = Math.min(reconnectDelay * 2, 10000);
  }

  window.addEventListener("online", () => {
    if (!socket && !closedForGood && rec && everConnected) connect();
  });

  function maybeFinish() {
    if (!stopping || !live || !socket) return;
    if (pending.length) {
      setState("finalizing", "Sending the last of the audio…");
      return;
    }
    setState("finalizing", "Finishing the transcript…");
    socket.send(JSON.stringify({ type: "stop" }));
  }

  // --- The microphone ------------------------------------------------------------------------------
  async function startMic() {
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
    let context;
    let source;
    try {
      context = new AudioContext({ sampleRate: RATE }); // the browser resamples the microphone
      source = context.createMediaStreamSource(stream);
    } catch (_) {
      if (context) context.close();
      context = new AudioContext(); // the worklet resamples instead
      source = context.createMediaStreamSource(stream);
    }
    await context.audioWorklet.addModule(cfg.workletUrl);
    const node = new AudioWorkletNode(context, "pcm-frames", {
      processorOptions: { targetRate: RATE, frameMs: FRAME_MS },
    });
    node.port.onmessage = (event) => onFrame(event.data);
    const silent = context.createGain(); // keeps the graph pulled without playing the room back
    silent.gain.value = 0;
    source.connect(node).connect(silent).connect(context.destination);
    await context.resume();
    mic = { stream, context, node };
    clearInterval(pingTimer);
    pingTimer = setInterval(() => {
      if (live && socket) socket.send(JSON.stringify({ type: "ping" }));
    }, 20000);
  }

  function stopMic() {
    clearInterval(pingTimer);
    if (!mic) return;
    const { stream, context, node } = mic;
    mic = null;
    node.port.onmessage = null;
    stream.getTracks().forEach((track) => track.stop());
    context.close().catch(() => {});
  }

  function onFrame({ pcm, level }) {
    if (!mic || paused || stopping) return;
    el.meter.style.width = `${Math.min(100, Math.round(level * 400))}%`;
    const index = nextIndex++;
    const item = { index, frame: frameOf(index, pcm) };
    pending.push(item);
    capturedSamples += pcm.byteLength / 2;
    showTime();
    showQueue();
    if (live && socket) socket.send(item.frame);
  }

  // --- Record, pause, resume, stop ------------------------------------------------------------------
  async function startRecording() {
    showError("");
    if (!rec || !OPEN.includes(rec.status)) {
      setState("connecting", "Starting…");
      const started = await api("POST", cfg.startUrl, {
        consultation_id: cfg.consultation,
        patient_id: cfg.patient,
        branch_id: cfg.branch,
        audio_format: "pcm16",
        sample_rate: RATE,
      });
      if (!started.ok) return fail(messageOf(started, "The recording could not be started."));
      rec = started.data;
      showDemo(rec.provider && rec.provider.demo);
      el.transcript.replaceChildren();
      el.transcriptWrap.hidden = true;
      el.notes.hidden = true;
      setState("idle", "Waiting for consent");
    }
    if (!rec.consent.given) {
      openConsent();
      return;
    }
    capture();
  }

  function capture() {
    closedForGood = false;
    everConnected = false;
    stopping = false;
    paused = false;
    pending.length = 0;
    capturedSamples = 0;
    baseSeconds = (rec.audio && rec.audio.seconds) || 0;
    if (!baseSeconds && rec.audio && rec.audio.bytes) baseSeconds = rec.audio.bytes / (2 * RATE);
    showTime();
    setState("connecting", "Connecting…");
    connect();
  }

  el.record.addEventListener("click", startRecording);

  el.pause.addEventListener("click", () => {
    paused = true;
    if (mic) mic.context.suspend();
    if (live && socket) socket.send(JSON.stringify({ type: "pause" }));
    el.meter.style.width = "0%";
    setState("paused", "Paused");
  });

  el.resume.addEventListener("click", () => {
    paused = false;
    if (mic) mic.context.resume();
    setState("recording", "Recording");
  });

  el.stop.addEventListener("click", () => {
    stopping = true;
    stopMic();
    el.meter.style.width = "0%";
    if (live && socket) maybeFinish();
    else setState("finalizing", "Waiting for the connection to send the last of the audio…");
  });

  // --- Consent -------------------------------------------------------------------------------------
  function openConsent() {
    el.consentError.textContent = "";
    el.consent.showModal();
  }

  el.consent.querySelectorAll("[data-method]").forEach((choice) => {
    choice.addEventListener("click", () => {
      method = choice.dataset.method;
      el.consent.querySelectorAll("[data-method]").forEach((other) => {
        other.setAttribute("aria-pressed", String(other === choice));
      });
      el.referenceField.hidden = method === "verbal_recorded";
      if (!el.referenceField.hidden) el.reference.focus();
    });
  });

  $("vc-consent-no").addEventListener("click", () => {
    el.consent.close();
    setState("idle", "Not recording: the patient did not agree");
  });

  $("vc-consent-yes").addEventListener("click", async (event) => {
    const button = event.currentTarget;
    const reference = el.reference.value.trim();
    if (method !== "verbal_recorded" && !reference) {
      el.consentError.textContent = "Type the OTP check's or the signed form's reference.";
      el.reference.focus();
      return;
    }
    button.disabled = true;
    const result = await api("POST", `${base()}consent/`, {
      method,
      reference: method === "verbal_recorded" ? "" : reference,
    });
    button.disabled = false;
    if (!result.ok) {
      el.consentError.textContent = messageOf(result, "The consent could not be recorded.");
      return;
    }
    rec = result.data;
    el.consent.close();
    capture();
  });

  // --- Withdrawal ----------------------------------------------------------------------------------
  el.withdraw.addEventListener("click", () => {
    el.withdrawError.textContent = "";
    el.withdrawDialog.showModal();
  });
  el.deleteAudio.addEventListener("click", () => {
    const on = el.deleteAudio.getAttribute("aria-checked") !== "true";
    el.deleteAudio.setAttribute("aria-checked", String(on));
  });
  $("vc-withdraw-no").addEventListener("click", () => el.withdrawDialog.close());
  $("vc-withdraw-yes").addEventListener("click", async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    const deleteAudio = el.deleteAudio.getAttribute("aria-checked") === "true";
    const result = await api("POST", `${base()}consent/withdraw/`, {
      reason: "patient withdrew consent",
      delete_audio: deleteAudio,
    });
    button.disabled = false;
    if (!result.ok) {
      el.withdrawError.textContent = messageOf(result, "The withdrawal could not be saved.");
      return;
    }
    closedForGood = true;
    stopMic();
    if (socket) socket.close(1000);
    pending.length = 0;
    rec = result.data;
    el.withdrawDialog.close();
    showWithdrawn();
  });

  function showWithdrawn() {
    clearTimeout(pollTimer);
    el.notes.hidden = true;
    const deleted = rec.audio && rec.audio.deleted_at;
    setState("withdrawn", `Consent withdrawn: recording stopped${deleted ? ", audio deleted" : ""}.`);
    el.record.textContent = "Record again (asks consent)";
    showError("");
  }

  // --- After the recording: transcript, notes draft ------------------------------------------------
  async function showFinalized() {
    setState("finalized", `Recorded ${clock((rec.audio && rec.audio.seconds) || 0)}`);
    el.notes.hidden = false;
    const transcript = await api("GET", `${base()}transcript/`);
    if (transcript.ok) showTranscript(transcript.data.utterances || []);
    showDraftStatus(false);
  }

  function showDraftStatus(justAsked) {
    clearTimeout(pollTimer);
    const draft = rec.draft || {};
    const words = rec.transcript && rec.transcript.utterances;
    el.generate.hidden = false;
    el.generate.disabled = false;
    el.generate.textContent = "Generate notes";
    el.reviewOpen.hidden = true;
    el.progress.dataset.state = draft.status || "none";
    switch (draft.status) {
      case "queued":
      case "processing":
        el.generate.disabled = true;
        el.progress.innerHTML = '<span class="spinner" aria-hidden="true"></span> ';
        el.progress.append(
          draft.status === "queued"
            ? "Waiting for the notes writer…"
            : `Drafting the notes…${draft.attempts > 1 ? ` (try ${draft.attempts})` : ""}`,
        );
        pollTimer = setTimeout(poll, 1500);
        break;
      case "ready":
        el.generate.textContent = "Generate again";
        el.generate.classList.replace("btn--primary", "btn--secondary");
        el.generate.hidden = Boolean(draft.verified); // a verified draft is final: edit the note instead
        el.progress.textContent = draft.verified
          ? "Notes drafted and verified."
          : `Notes drafted${draft.unsupported_items ? `: ${draft.unsupported_items} line(s) not found in what was said` : ""}. Review them before they go into the note.`;
        el.reviewOpen.hidden = false;
        if (justAsked) openReview();
        break;
      case "failed":
        el.generate.textContent = "Try again";
        el.progress.textContent = `The notes could not be drafted: ${draft.error || "no reason given."}`;
        if (!/by hand/i.test(draft.error || "")) el.progress.append(" You can write the notes by hand in the boxes.");
        break;
      default:
        el.progress.textContent = words === 0 ? "Nothing was heard in the recording." : "";
    }
  }

  async function poll() {
    const result = await api("GET", base());
    if (result.ok) rec = result.data;
    const status = rec.draft && rec.draft.status;
    showDraftStatus(status === "ready");
    if (!result.ok && (status === "queued" || status === "processing")) {
      el.progress.append(" (no answer from the server; still trying)");
    }
  }

  el.generate.addEventListener("click", async () => {
    const again = rec.draft && rec.draft.status === "ready";
    el.generate.disabled = true;
    el.progress.textContent = "Asking for the notes…";
    const result = await api("POST", `${base()}draft/`, { force: Boolean(again) });
    if (!result.ok) {
      el.generate.disabled = false;
      el.progress.textContent = `${messageOf(result, "The notes could not be asked for.")} You can write the notes by hand.`;
      return;
    }
    rec = result.data;
    draftDoc = null;
    accepted = false;
    showDraftStatus(true);
  });

  // --- Review --------------------------------------------------------------------------------------
  function evidenceButtons(evidence) {
    const row = document.createElement("div");
    row.className = "vc-line__evidence";
    (evidence || []).forEach((link) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "vc-evidence";
      button.dataset.utterance = link.utterance_id;
      button.dataset.quote = link.quote || "";
      button.setAttribute("aria-expanded", "false");
      button.textContent = `“${link.quote || "…"}”`;
      row.append(button);
    });
    return row;
  }

  function line(text, item, extra) {
    const li = document.createElement("li");
    li.className = "vc-line";
    if (item.supported === false) li.classList.add("vc-line--unsupported");
    const p = document.createElement("p");
    p.className = "vc-line__text";
    p.textContent = text;
    li.append(p);
    if (extra) li.append(extra);
    if (item.supported === false) {
      const flag = document.createElement("p");
      flag.className = "vc-flag";
      flag.textContent = `⚠ Not supported by what was said${item.problems && item.problems.length ? ` (${item.problems.join("; ")})` : ""}: check it.`;
      li.append(flag);
    }
    li.append(evidenceButtons(item.evidence));
    const said = document.createElement("p");
    said.className = "vc-line__said";
    said.hidden = true;
    li.append(said);
    return li;
  }

  function group(title, items) {
    const section = document.createElement("section");
    section.className = "vc-group";
    const h = document.createElement("h3");
    h.textContent = title;
    const list = document.createElement("ul");
    list.className = "vc-lines";
    items.forEach((item) => list.append(item));
    section.append(h, list);
    return section;
  }

  function renderDraft(doc) {
    const notes = doc.notes || {};
    const parts = [];
    SECTIONS.forEach(([name, label]) => {
      const items = notes[name] || [];
      if (items.length) parts.push(group(label, items.map((item) => line(item.text, item))));
    });
    const rx = notes.prescriptions || [];
    if (rx.length) {
      // The prescription composer takes a drafted medicine to start from (static/js/consultation/
      // prescription.js): the doctor picks it from the clinic's list or as bought outside, checks the
      // dose and taps Add, so the allergy and interaction checks run as for any other medicine.
      const composer = document.getElementById("composer");
      const hint = document.createElement("p");
      hint.className = "muted vc-hint";
      hint.textContent = composer
        ? "“Use” starts the medicine in the Prescription section; nothing is added until you tap Add there."
        : "Add these in the Prescription section; they are not added by themselves.";
      const g = group(
        "Medicines drafted",
        rx.map((item) => {
          let use = null;
          if (composer) {
            use = document.createElement("button");
            use.type = "button";
            use.className = "btn btn--secondary vc-line__use";
            use.textContent = `Use ${item.medicine}`;
            use.addEventListener("click", () => {
              el.review.close();
              document.dispatchEvent(new CustomEvent("voice:medicine-picked", { detail: { ...item } }));
            });
          }
          return line(
            [item.medicine, item.dosage, item.frequency, item.duration].filter(Boolean).join(" · ") +
              (item.instructions ? ` (${item.instructions})` : ""),
            item,
            use,
          );
        }),
      );
      g.append(hint);
      parts.push(g);
    }
    const allergies = notes.allergies_mentioned || [];
    if (allergies.length) {
      parts.push(
        group(
          "Allergies mentioned",
          allergies.map((a) => line(`${a.substance}${a.reaction ? `: ${a.reaction}` : ""}`, a)),
        ),
      );
    }
    const followUp = notes.follow_up;
    if (followUp && followUp.recommended) {
      parts.push(
        group("Follow-up", [
          line(`In ${followUp.in_days || "?"} days${followUp.instructions ? `: ${followUp.instructions}` : ""}`, followUp),
        ]),
      );
    }
    const omissions = doc.possible_omissions || [];
    if (omissions.length) {
      parts.push(
        group(
          "Possibly left out",
          omissions.map((o) =>
            line(`${o.medicine} was said but is in no drafted prescription.`, {
              supported: true,
              evidence: (o.utterance_ids || []).map((id) => ({ utterance_id: id, quote: id })),
            }),
          ),
        ),
      );
      parts[parts.length - 1].classList.add("vc-group--omissions");
    }
    if (!parts.length) {
      const empty = document.createElement("p");
      empty.textContent = "The draft is empty: nothing clinical was found in what was said.";
      parts.push(empty);
    }
    el.draft.replaceChildren(...parts);
    const confidence = doc.confidence === null || doc.confidence === undefined ? "" : ` · ${Math.round(doc.confidence * 100)}% of lines backed by a quote`;
    el.reviewMeta.textContent = `${doc.demo ? "Demo draft (made up on this server)" : "AI draft"}${confidence}. Tap a quote to see what was said.`;
  }

  function markQuote(target, text, quote) {
    target.replaceChildren();
    const at = quote ? text.toLowerCase().indexOf(quote.toLowerCase()) : -1;
    if (at < 0) {
      target.textContent = text;
      return;
    }
    const mark = document.createElement("mark");
    mark.textContent = text.slice(at, at + quote.length);
    target.append(text.slice(0, at), mark, text.slice(at + quote.length));
  }

  el.draft.addEventListener("click", (event) => {
    const button = event.target.closest(".vc-evidence");
    if (!button) return;
    const id = button.dataset.utterance;
    const open = button.getAttribute("aria-expanded") !== "true";
    el.draft.querySelectorAll(".vc-evidence[aria-expanded=true]").forEach((other) => {
      other.setAttribute("aria-expanded", "false");
      const said = other.closest(".vc-line").querySelector(".vc-line__said");
      said.hidden = true;
    });
    el.said.querySelectorAll(".is-evidence").forEach((item) => {
      item.classList.remove("is-evidence");
      item.removeAttribute("aria-current");
      const text = item.querySelector(".vc-utt__text");
      text.textContent = text.textContent;
    });
    if (!open) return;
    button.setAttribute("aria-expanded", "true");
    const source = el.said.querySelector(`[data-utterance="${CSS.escape(id)}"]`);
    const said = button.closest(".vc-line").querySelector(".vc-line__said");
    said.hidden = false;
    if (!source) {
      said.textContent = `${id}: this utterance is not in the transcript.`;
      return;
    }
    const text = source.querySelector(".vc-utt__text").textContent;
    source.classList.add("is-evidence");
    source.setAttribute("aria-current", "true");
    markQuote(source.querySelector(".vc-utt__text"), text, button.dataset.quote);
    const who = document.createElement("strong");
    who.textContent = source.querySelector(".vc-utt__who").textContent;
    const body = document.createElement("span");
    markQuote(body, text, button.dataset.quote);
    said.replaceChildren(who, body);
    source.scrollIntoView({ block: "nearest" });
  });

  async function openReview() {
    el.reviewError.textContent = "";
    if (!draftDoc) {
      const result = await api("GET", `${base()}draft/`);
      if (!result.ok || !result.data.draft) {
        el.progress.textContent = messageOf(result, "The draft could not be loaded.");
        return;
      }
      draftDoc = result.data.draft;
      renderDraft(draftDoc);
    }
    const verified = rec.draft && rec.draft.verified;
    el.accept.hidden = Boolean(verified) || accepted;
    el.verify.hidden = Boolean(verified) || !accepted;
    if (!el.review.open) el.review.showModal();
  }

  el.reviewOpen.addEventListener("click", openReview);
  $("vc-review-close").addEventListener("click", () => el.review.close());

  el.accept.addEventListener("click", async () => {
    el.accept.disabled = true;
    el.reviewError.textContent = "";
    const result = await api("POST", cfg.acceptUrl, { recording_id: rec.id });
    el.accept.disabled = false;
    if (!result.ok) {
      el.reviewError.textContent = messageOf(result, "The draft could not be put into the note.");
      return;
    }
    document.dispatchEvent(new CustomEvent("voice:note-accepted", { detail: { note: result.data } }));
    accepted = true;
    el.accept.hidden = true;
    el.verify.hidden = false;
    el.reviewMeta.textContent =
      "In the note now (boxes you had written yourself keep your text). Read the boxes, then verify.";
    el.verify.focus();
  });

  el.verify.addEventListener("click", async () => {
    el.verify.disabled = true;
    el.reviewError.textContent = "";
    const note = await api("POST", cfg.verifyUrl);
    if (!note.ok) {
      el.verify.disabled = false;
      el.reviewError.textContent = messageOf(note, "The notes could not be verified.");
      return;
    }
    document.dispatchEvent(new CustomEvent("voice:note-accepted", { detail: { note: note.data } }));
    const checked = await api("POST", `${base()}draft/verify/`, {});
    el.verify.disabled = false;
    if (checked.ok) rec = checked.data;
    el.verify.hidden = true;
    el.review.close();
    showDraftStatus(false);
    el.progress.textContent = "Notes verified and in the note.";
  });

  // --- Start: one API call for the visit's recordings ------------------------------------------------
  async function refresh() {
    const result = await api("GET", cfg.recordingsUrl);
    if (!result.ok) {
      setState("failed", "Voice notes unavailable");
      showError(messageOf(result, "The voice console could not load. Write the notes by hand."));
      return;
    }
    rec = (result.data || [])[0] || null;
    if (rec) showDemo(rec.provider && rec.provider.demo);
    if (!rec) return setState("idle", "Ready to record");
    if (rec.status === "finalized") return showFinalized();
    if (rec.status === "withdrawn" || rec.status === "deleted") return showWithdrawn();
    if (rec.status === "awaiting_consent") return setState("idle", "Ready to record");
    el.record.textContent = "Continue recording";
    setState("idle", `Recording paused at ${clock((rec.audio && rec.audio.seconds) || 0)}`);
  }

  refresh();
})();
