// The doctor's tablet: an outbox of changes, kept in localStorage, sent to the JSON API one at a
// time, in order (docs/decisions/0045).
//
//   - Every change is written to localStorage before it is sent, so a reload, a crash or a dropped
//     network loses nothing typed; the page replays what is left when it opens again.
//   - Changes to the same thing made while the last one waits are merged (typing is one request).
//   - Network failures and server errors are retried with backoff (and at once when the browser
//     says it is back online); a signed-out session pauses the queue until a sign-in elsewhere.
//   - A 409 "stale" (someone else saved in between) is handed to the page, which decides whether
//     it was our own earlier save (then it counts as saved) or a real conflict to show.
//   - Any other refusal (400, 409 with a code) is handed back to the page to show next to its field.
// Entries are per user and per consultation and are dropped after 24 hours.
"use strict";

(function () {
  const RETRY_MS = [1000, 2000, 4000, 8000, 15000, 30000];
  const MAX_AGE_MS = 24 * 60 * 60 * 1000;

  function uuid4() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    const bytes = window.crypto.getRandomValues(new Uint8Array(16)); // plain http on a clinic LAN
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (_) {
      return "";
    }
  }

  /** fetch() for the JSON API: resolves {ok, status, data, error}; rejects only on network failure. */
  async function request(method, url, body, { signal } = {}) {
    const headers = { Accept: "application/json", "X-CSRFToken": csrfToken() };
    const init = { method, headers, credentials: "same-origin", signal };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(url, init);
    let data = null;
    if (response.status !== 204) {
      try {
        data = await response.json();
      } catch (_) {
        data = null;
      }
    }
    const error = data && data.error ? data.error : null;
    return { ok: response.ok, status: response.status, data, error };
  }

  function isPlainObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  /** Later values win; nested objects (note sections) are merged one level deep. */
  function mergeBodies(earlier, later) {
    const merged = Object.assign({}, earlier);
    Object.keys(later || {}).forEach((key) => {
      merged[key] =
        isPlainObject(earlier[key]) && isPlainObject(later[key])
          ? Object.assign({}, earlier[key], later[key])
          : later[key];
    });
    return merged;
  }

  function signedOut(result) {
    if (result.status !== 401 && result.status !== 403) return false;
    const error = result.error || {};
    return error.code === "not_authenticated" || /^CSRF/i.test(error.message || "");
  }

  class Outbox {
    /**
     * key: the localStorage key. handlers: {
     *   send(op) -> Promise<result>        the request (may add fields such as expected_updated_at)
     *   saved(op, result)                  2xx (or DELETE of something already gone)
     *   rejected(op, result)               refused: show why; the op is dropped
     *   stale(op, result) -> Promise<"saved"|"conflict">
     *   changed(summary)                   for the "saved" mark
     * }
     */
    constructor(key, handlers) {
      this.key = key;
      this.handlers = handlers;
      const stored = this.read();
      this.ops = stored.ops;
      this.conflicts = stored.conflicts;
      this.inflight = null;
      this.timer = null;
      this.attempt = 0;
      this.offline = false;
      this.signedOut = false;
      this.storageFailed = false;
      this.lastSavedAt = null;
      // Signing out (static/js/app.js) removes this user's entries; forget them here too, so a
      // retry still under way cannot write them back while the page unloads.
      window.addEventListener("ic:signing-out", () => {
        this.discarded = true;
        this.ops = [];
        this.conflicts = [];
      });
      window.addEventListener("online", () => this.retryNow());
      window.addEventListener("focus", () => this.retryNow());
      document.addEventListener("visibilitychange", () => {
        if (document.visibilityState === "visible") this.retryNow();
      });
    }

    read() {
      try {
        const data = JSON.parse(window.localStorage.getItem(this.key) || "null") || {};
        const fresh = (op) => Date.now() - (op.created || 0) < MAX_AGE_MS;
        return { ops: (data.ops || []).filter(fresh), conflicts: (data.conflicts || []).filter(fresh) };
      } catch (_) {
        return { ops: [], conflicts: [] };
      }
    }

    write() {
      if (this.discarded) return;
      try {
        if (this.ops.length || this.conflicts.length) {
          window.localStorage.setItem(this.key, JSON.stringify({ ops: this.ops, conflicts: this.conflicts }));
        } else {
          window.localStorage.removeItem(this.key);
        }
        this.storageFailed = false;
      } catch (_) {
        this.storageFailed = true; // private mode or full: still sent, only not kept across a reload
      }
    }

    summary() {
      return {
        pending: this.ops.length,
        sending: Boolean(this.inflight),
        offline: this.offline,
        signedOut: this.signedOut,
        conflicts: this.conflicts.slice(),
        storageFailed: this.storageFailed,
        lastSavedAt: this.lastSavedAt,
        waitingSections: Array.from(new Set(this.ops.map((op) => op.section))),
      };
    }

    notify() {
      if (this.handlers.changed) this.handlers.changed(this.summary());
    }

    /** Queue a change: {kind, section, part, method, url, body, coalesce?, meta?}; delay in ms. */
    enqueue(op, { delay = 0 } = {}) {
      const now = Date.now();
      const tail = this.ops[this.ops.length - 1];
      if (op.coalesce && tail && tail !== this.inflight && tail.coalesce === op.coalesce) {
        tail.body = mergeBodies(tail.body, op.body);
        tail.meta = Object.assign({}, tail.meta, op.meta);
        tail.due = now + delay;
        op = tail;
      } else {
        op.id = op.id || uuid4();
        op.created = now;
        op.due = now + delay;
        this.ops.push(op);
      }
      this.write();
      this.notify();
      this.kick();
      return op;
    }

    /** Take back changes not yet sent (a pending add removed before it went). */
    cancel(predicate) {
      const before = this.ops.length;
      this.ops = this.ops.filter((op) => op === this.inflight || !predicate(op));
      if (this.ops.length !== before) {
        this.write();
        this.notify();
      }
      return before - this.ops.length;
    }

    pending(predicate) {
      return this.ops.filter(predicate || (() => true));
    }

    /** Rewrite pending ops in place (the page rebases expected versions after its own saves). */
    update(fn) {
      this.ops.forEach((op) => {
        if (op !== this.inflight) fn(op);
      });
      this.write();
    }

    retryNow() {
      if (this.inflight) return;
      if (this.signedOut || this.offline || this.attempt) {
        this.signedOut = false;
        this.attempt = 0;
        this.kick(0);
      }
    }

    kick(wait) {
      clearTimeout(this.timer);
      if (this.inflight || this.signedOut || !this.ops.length) return;
      const ms = wait !== undefined ? wait : Math.max(0, this.ops[0].due - Date.now());
      this.timer = setTimeout(() => this.sendHead(), ms);
    }

    /** Send everything now; resolves true once all is saved, false if still waiting after timeoutMs. */
    drain(timeoutMs) {
      this.ops.forEach((op) => {
        op.due = 0;
      });
      this.retryNow();
      this.kick(0);
      const until = Date.now() + timeoutMs;
      return new Promise((resolve) => {
        const check = () => {
          if (!this.ops.length && !this.inflight) resolve(true);
          else if (Date.now() > until) resolve(false);
          else setTimeout(check, 100);
        };
        check();
      });
    }

    async sendHead() {
      const op = this.ops[0];
      if (!op || this.inflight || this.signedOut) return;
      this.inflight = op;
      this.notify();
      let result;
      try {
        result = await this.handlers.send(op);
      } catch (_) {
        result = { ok: false, status: 0, data: null, error: null };
      }
      this.inflight = null;
      const retrying = await this.settle(op, result);
      if (!retrying) this.kick();
    }

    remove(op) {
      this.ops = this.ops.filter((o) => o !== op);
      this.write();
    }

    async settle(op, result) {
      const gone = op.method === "DELETE" && result.status === 404;
      if (result.ok || gone) {
        this.remove(op);
        this.attempt = 0;
        this.offline = false;
        this.lastSavedAt = new Date();
        this.handlers.saved(op, result);
      } else if (result.status === 0 || result.status >= 500 || result.status === 408 || result.status === 429) {
        this.offline = result.status === 0;
        this.attempt += 1;
        this.notify();
        this.kick(RETRY_MS[Math.min(this.attempt - 1, RETRY_MS.length - 1)]);
        return true;
      } else if (signedOut(result)) {
        this.signedOut = true;
      } else if (result.status === 409 && result.error && result.error.code === "stale") {
        let verdict = "conflict";
        try {
          verdict = await this.handlers.stale(op, result);
        } catch (_) {
          verdict = "retry";
        }
        if (verdict === "retry") {
          this.attempt += 1;
          this.notify();
          this.kick(RETRY_MS[Math.min(this.attempt - 1, RETRY_MS.length - 1)]);
          return true;
        }
        this.remove(op);
        if (verdict === "saved") {
          this.lastSavedAt = new Date();
          this.handlers.saved(op, result);
        } else {
          this.conflicts.push(op);
          this.write();
        }
      } else {
        this.remove(op);
        this.handlers.rejected(op, result);
      }
      this.notify();
      return false;
    }

    /** A conflict settled by the doctor: "mine" sends their version anyway, "theirs" drops it. */
    resolve(opId, choice) {
      const op = this.conflicts.find((c) => c.id === opId);
      if (!op) return;
      this.conflicts = this.conflicts.filter((c) => c !== op);
      if (choice === "mine") {
        op.force = true;
        op.due = 0;
        this.ops.push(op);
      }
      this.write();
      this.notify();
      this.kick();
    }
  }

  window.ClinicOutbox = { Outbox, request, uuid4, csrfToken };
})();
