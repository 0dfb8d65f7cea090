// Intelli-Clinic staff pages: the small behaviours every page shares (docs/decisions/0050).
// Plain JavaScript, no build step. htmx does the requests; this file gives feedback around them.
//   - toasts: Django messages and request failures, announced politely; errors stay until closed
//   - forms without htmx: the submit button shows it is working and a double tap posts once
//   - [data-keynav]: arrow keys move from a search box into its result links and between them
//   - [data-focus-after-swap]: after htmx swaps content in, focus moves to what needs reading
"use strict";

(function () {
  const AUTO_HIDE_MS = 6000;

  // --- Toasts -------------------------------------------------------------------------------
  function toastArea() {
    return document.getElementById("toasts");
  }

  function closeToast(toast) {
    toast.remove();
  }

  function armToast(toast) {
    if (toast.dataset.armed) return;
    toast.dataset.armed = "1";
    const close = toast.querySelector("[data-toast-close]");
    if (close) close.addEventListener("click", () => closeToast(toast));
    if (toast.dataset.autohide === "true") {
      let timer = setTimeout(() => closeToast(toast), AUTO_HIDE_MS);
      // Someone reading it (pointer or focus inside) keeps it.
      toast.addEventListener("mouseenter", () => clearTimeout(timer));
      toast.addEventListener("focusin", () => clearTimeout(timer));
      toast.addEventListener("mouseleave", () => {
        timer = setTimeout(() => closeToast(toast), AUTO_HIDE_MS);
      });
    }
  }

  function armToasts(root) {
    (root || document).querySelectorAll(".toast").forEach(armToast);
  }

  /** Show a toast: kind is success | info | warning | error. */
  function toast(kind, text) {
    const template = document.getElementById("toast-template");
    const area = toastArea();
    if (!template || !area) return;
    const node = template.content.firstElementChild.cloneNode(true);
    node.classList.add("toast--" + kind);
    node.dataset.autohide = String(kind === "success" || kind === "info");
    node.querySelector("[data-toast-text]").textContent = text;
    const use = node.querySelector("use");
    if (use) {
      const icon = { success: "check-circle", error: "alert", warning: "alert", info: "info" }[kind];
      use.setAttribute("href", use.getAttribute("href").replace(/#.*$/, "#" + icon));
    }
    area.appendChild(node);
    armToast(node);
  }
  window.clinicToast = toast;

  // --- htmx request failures: say what happened and what to do ----------------------------
  document.addEventListener("htmx:responseError", (event) => {
    const status = event.detail.xhr ? event.detail.xhr.status : 0;
    let text = "Something went wrong on the server (error " + status + "). Nothing was saved; please try again.";
    if (status === 403) text = "You are not allowed to do this. Ask an administrator if you need access.";
    if (status === 404) text = "That record was not found. It may have been removed; search again.";
    if (status === 409) text = "Someone else changed this at the same time. Reload the page and try again.";
    toast("error", text);
  });
  document.addEventListener("htmx:sendError", () => {
    toast("error", "Could not reach the clinic server. Check the network connection, then try again.");
  });
  document.addEventListener("htmx:timeout", () => {
    toast("error", "The server took too long to answer. Please try again.");
  });

  // --- After a swap: new toasts, and focus where the reader should look ---------------------
  document.addEventListener("htmx:afterSettle", (event) => {
    armToasts(document);
    const target = event.detail.elt;
    const focusable = target && target.querySelector ? target.querySelector("[data-focus-after-swap]") : null;
    if (focusable) focusable.focus();
  });

  // --- Signing out: the doctor's unsent changes leave the tablet with the doctor -------------
  // The visit page keeps changes not yet acknowledged in localStorage ("ic-visit:<user>:...",
  // static/js/consultation/outbox.js). Signing out removes this user's entries; if some have not
  // reached the server, the doctor is asked first (cancelling keeps them and stays signed in).
  // Runs before the "post once" handler below (capture phase), which skips a cancelled submit.
  document.addEventListener(
    "submit",
    (event) => {
      const form = event.target;
      if (!form.matches || !form.matches("form[data-sign-out]")) return;
      const prefix = `ic-visit:${form.dataset.signOut}:`;
      const keys = [];
      let waiting = 0;
      try {
        for (let i = 0; i < window.localStorage.length; i += 1) {
          const key = window.localStorage.key(i);
          if (!key || !key.startsWith(prefix)) continue;
          keys.push(key);
          if (key.endsWith(":composer")) continue; // a half-filled medicine, not a change
          const data = JSON.parse(window.localStorage.getItem(key) || "null") || {};
          waiting += (data.ops || []).length + (data.conflicts || []).length;
        }
      } catch (_) {
        return; // storage unreadable: nothing of ours can be in it
      }
      if (waiting) {
        const what = waiting === 1 ? "1 change" : `${waiting} changes`;
        const ok = window.confirm(
          `${what} on this tablet ${waiting === 1 ? "has" : "have"} not reached the server yet. ` +
            "Sign out and discard them? Cancel to stay signed in and let them be sent."
        );
        if (!ok) {
          event.preventDefault();
          return;
        }
      }
      window.dispatchEvent(new CustomEvent("ic:signing-out")); // the outbox stops writing them back
      keys.forEach((key) => window.localStorage.removeItem(key));
    },
    true,
  );

  // --- Plain (non-htmx) forms: show work, post once -----------------------------------------
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (event.defaultPrevented || form.hasAttribute("hx-post") || form.hasAttribute("hx-get")) return;
    if (form.classList.contains("is-submitting")) {
      event.preventDefault();
      return;
    }
    form.classList.add("is-submitting");
    form.setAttribute("aria-busy", "true");
    // Disable after the browser has collected the values (a disabled submitter would not be sent).
    setTimeout(() => {
      form.querySelectorAll("button[type=submit]").forEach((b) => b.setAttribute("aria-disabled", "true"));
    }, 0);
  });
  // Back/forward cache: a page restored from history must not stay "busy".
  window.addEventListener("pageshow", () => {
    document.querySelectorAll("form.is-submitting").forEach((form) => {
      form.classList.remove("is-submitting");
      form.removeAttribute("aria-busy");
      form.querySelectorAll("[aria-disabled]").forEach((b) => b.removeAttribute("aria-disabled"));
    });
  });

  // --- Keyboard: arrow keys between a search box and its results ---------------------------
  document.addEventListener("keydown", (event) => {
    if (!["ArrowDown", "ArrowUp", "Home", "End"].includes(event.key)) return;
    const scope = event.target.closest && event.target.closest("[data-keynav]");
    if (!scope) return;
    const input = scope.querySelector("[data-keynav-input]");
    const items = Array.from(scope.querySelectorAll("[data-keynav-item]"));
    if (!items.length) return;
    const index = items.indexOf(event.target);
    let next = null;
    if (event.target === input) {
      if (event.key === "ArrowDown") next = items[0];
    } else if (index >= 0) {
      if (event.key === "ArrowDown") next = items[Math.min(index + 1, items.length - 1)];
      if (event.key === "ArrowUp") next = index === 0 ? input : items[index - 1];
      if (event.key === "Home") next = items[0];
      if (event.key === "End") next = items[items.length - 1];
    }
    if (next) {
      event.preventDefault();
      next.focus();
    }
  });

  document.addEventListener("DOMContentLoaded", () => armToasts(document));
})();
