// Today's queue, live (appointments/templates/appointments/queue.html, docs/decisions/0025).
// A websocket (appointments.consumers.QueueConsumer) says "something changed" (ids only, never a
// name); the board is then fetched again through htmx, with the same permissions as the page.
// If the socket drops, the page says so, refreshes every 15 s, and keeps trying to reconnect.
"use strict";

(function () {
  const POLL_MS = 15000;
  const MAX_RETRY_MS = 30000;
  const KEEP_HIGHLIGHT_MS = 3000;

  function start(root) {
    const status = document.getElementById("live-status");
    const text = status ? status.querySelector("[data-live-text]") : null;
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    const url = scheme + window.location.host + root.dataset.wsPath;
    let socket = null;
    let pollTimer = null;
    let retryTimer = null;
    let refreshTimer = null;
    let attempts = 0;
    let everOpen = false;
    let lastSwap = 0;

    function say(state, message) {
      if (!status) return;
      status.dataset.state = state;
      if (text.textContent !== message) text.textContent = message;
    }

    function refresh() {
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(() => {
        const board = document.getElementById("queue-board");
        if (!board) return;
        if (board.querySelector(".htmx-request")) {
          refresh(); // an action is on its way; its answer brings the board
          return;
        }
        let target = root.dataset.refreshUrl;
        const moved = board.querySelector(".queue-row.is-moved");
        if (moved && Date.now() - lastSwap < KEEP_HIGHLIGHT_MS) {
          target += "&moved=" + encodeURIComponent(moved.id.replace(/^row-/, ""));
        }
        window.htmx.ajax("GET", target, { target: "#queue-board", swap: "outerHTML" });
      }, 150);
    }

    function startPolling() {
      if (pollTimer === null) pollTimer = setInterval(refresh, POLL_MS);
    }

    function stopPolling() {
      if (pollTimer !== null) clearInterval(pollTimer);
      pollTimer = null;
    }

    function connect() {
      retryTimer = null;
      try {
        socket = new WebSocket(url);
      } catch (error) {
        lost();
        return;
      }
      socket.addEventListener("open", () => {
        const reconnected = everOpen || attempts > 0;
        attempts = 0;
        everOpen = true;
        stopPolling();
        say("live", "Live: changes appear by themselves");
        if (reconnected) refresh(); // catch up on what happened while offline
      });
      socket.addEventListener("message", refresh);
      socket.addEventListener("close", lost);
    }

    function lost() {
      socket = null;
      say("polling", "Live updates lost: refreshing every 15 seconds");
      startPolling();
      if (retryTimer === null) {
        attempts += 1;
        const wait = Math.min(MAX_RETRY_MS, 1000 * 2 ** Math.min(attempts, 5));
        retryTimer = setTimeout(connect, wait);
      }
    }

    document.body.addEventListener("htmx:afterSwap", (event) => {
      if (event.detail.target && event.detail.target.id === "queue-board") lastSwap = Date.now();
    });
    if (!root.dataset.wsPath) {
      // This server has no websocket endpoint (WSGI): poll from the start.
      say("polling", "Live updates are off here: refreshing every 15 seconds");
      startPolling();
      return;
    }
    window.addEventListener("pagehide", () => {
      if (socket) socket.close();
    });
    connect();
  }

  document.addEventListener("DOMContentLoaded", () => {
    const root = document.querySelector("[data-live-queue]");
    if (root) start(root);
  });
})();
