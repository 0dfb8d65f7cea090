// The doctor's tablet, booking the follow-up visit: once a day is chosen (1 week, 2 weeks, 1 month
// or a date, in complete.js), the doctor's free times from that day on show as big chips; tapping
// one books it (POST …/follow-up/) or, when one is booked, moves it (POST …/follow-up/reschedule/).
// A booking is not a text edit: it is sent at once, not through the outbox, and a failure says so
// and books nothing. Sending the same time twice is safe (the server returns the booking it made),
// so a retry after a lost answer cannot book twice. A time taken meanwhile comes back as a 409
// with the nearest free times, shown as chips to tap (docs/decisions/0045).
"use strict";

window.ClinicVisit.register(function followUp(visit) {
  const $ = (id) => document.getElementById(id);
  const box = $("fu-booking");
  if (!box) return;
  const days = $("fu-days");
  const status = $("fu-slots-status");
  const problem = $("fu-problem");
  const booked = $("fu-booked");
  const bookedText = $("fu-booked-text");
  const hint = $("fu-hint");
  let current = visit.state.follow_up;
  let lastDay = null;
  let anchorDay = null; // the day the doctor chose; "Earlier days" never goes before it
  let loading = null;

  function shiftDay(iso, days) {
    const [y, m, d] = iso.split("-").map(Number);
    const date = new Date(Date.UTC(y, m - 1, d + days));
    return date.toISOString().slice(0, 10);
  }

  function showProblem(message, alternatives) {
    problem.hidden = !message;
    problem.innerHTML = "";
    if (!message) return;
    problem.innerHTML = `${visit.icon("alert")}<div class="alert__body"><p class="alert__title"></p></div>`;
    problem.querySelector(".alert__title").textContent = message;
    if (alternatives && alternatives.length) {
      const label = document.createElement("p");
      label.textContent = "Free times nearest to it:";
      const row = document.createElement("div");
      row.className = "chip-row";
      alternatives.forEach((option) => row.appendChild(slotChip(option.start, timeText(option.start), dayText(option.start))));
      problem.querySelector(".alert__body").append(label, row);
    }
  }

  /** "2026-12-10T11:30:00+05:30" -> "11:30 am": the time as the branch wrote it (its own zone). */
  function timeText(iso) {
    const [h, m] = iso.slice(11, 16).split(":").map(Number);
    return `${h % 12 || 12}:${String(m).padStart(2, "0")} ${h < 12 ? "am" : "pm"}`;
  }
  function dayText(iso) {
    return visit.formatDate(iso.slice(0, 10), { weekday: true });
  }

  function slotChip(start, time, day) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "chip-btn fu-slot";
    button.dataset.start = start;
    button.setAttribute("aria-label", `${day ? day + ", " : ""}${time}`);
    button.textContent = time;
    if (current && current.starts_at && sameMoment(current.starts_at, start)) button.setAttribute("aria-pressed", "true");
    return button;
  }

  function sameMoment(a, b) {
    return new Date(a).getTime() === new Date(b).getTime();
  }

  function renderBooked() {
    booked.hidden = !current;
    hint.hidden = Boolean(current) || days.childElementCount > 0;
    if (!current) return;
    bookedText.innerHTML = "Booked: <strong></strong>, <span></span>";
    bookedText.querySelector("strong").textContent = current.number;
    bookedText.querySelector("span").textContent = `${current.date_text} at ${current.time_text}`;
    visit.setDone("orders", true);
  }

  async function load(day, { paging = false } = {}) {
    lastDay = day;
    if (!paging) anchorDay = day;
    if (loading) loading.abort();
    loading = new AbortController();
    status.textContent = "Looking for free times…";
    showProblem("");
    let result;
    try {
      result = await visit.request("GET", `${visit.urls.follow_up_slots}?date=${encodeURIComponent(day)}`, undefined, {
        signal: loading.signal,
      });
    } catch (error) {
      if (error && error.name === "AbortError") return;
      status.textContent = "";
      showProblem("No connection to the clinic server: the free times could not be shown. Try again when the network is back.");
      return;
    }
    if (!result.ok) {
      status.textContent = "";
      showProblem((result.error && result.error.message) || "The free times could not be read.");
      return;
    }
    current = result.data.booked || current;
    renderDays(result.data.days);
    renderBooked();
  }

  function renderDays(list) {
    days.innerHTML = "";
    let count = 0;
    list.forEach((day) => {
      const group = document.createElement("div");
      group.className = "fu-day";
      const label = document.createElement("p");
      label.className = "fu-day__label";
      label.textContent = day.date_text;
      group.appendChild(label);
      if (day.options.length) {
        const row = document.createElement("div");
        row.className = "chip-row";
        day.options.forEach((option) => row.appendChild(slotChip(option.start, option.time_text, day.date_text)));
        group.appendChild(row);
        count += day.options.length;
      } else {
        const none = document.createElement("p");
        none.className = "muted fu-day__none";
        none.textContent = "No free time";
        group.appendChild(none);
      }
      days.appendChild(group);
    });
    if (list.length) {
      // Page through the doctor's days, four at a time, without choosing another date above.
      const paging = document.createElement("div");
      paging.className = "fu-paging";
      const first = list[0].date;
      if (anchorDay && first > anchorDay) {
        paging.appendChild(pageButton("Earlier days", shiftDay(first, -list.length) < anchorDay ? anchorDay : shiftDay(first, -list.length)));
      }
      paging.appendChild(pageButton("Later days", shiftDay(list[list.length - 1].date, 1)));
      days.appendChild(paging);
    }
    status.textContent = count
      ? `${count} free time${count === 1 ? "" : "s"}${current ? "; tap one to move the booking there" : "; tap one to book it"}.`
      : "No free time on these days: tap Later days, or choose another date.";
  }

  function pageButton(label, day) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn--secondary fu-page";
    button.dataset.day = day;
    button.textContent = label;
    return button;
  }

  async function book(chip) {
    if (chip.getAttribute("aria-busy") === "true") return;
    const start = chip.dataset.start;
    const url = current ? visit.urls.follow_up_reschedule : visit.urls.follow_up;
    chip.setAttribute("aria-busy", "true");
    chip.classList.add("is-busy");
    status.textContent = current ? "Moving the follow-up…" : "Booking…";
    showProblem("");
    let result;
    try {
      result = await visit.request("POST", url, { start });
    } catch (_) {
      result = { ok: false, status: 0, error: { message: "No connection to the clinic server: nothing was booked. Try again when the network is back." } };
    }
    chip.removeAttribute("aria-busy");
    chip.classList.remove("is-busy");
    if (result.ok) {
      current = result.data;
      days.innerHTML = "";
      status.textContent = `Booked ${current.number}: ${current.date_text} at ${current.time_text}.`;
      renderBooked();
      $("fu-change").focus({ preventScroll: true });
      return;
    }
    status.textContent = "";
    const error = result.error || { message: `The booking was refused (error ${result.status}).` };
    showProblem(error.message, error.alternatives);
    if (error.code === "follow_up_exists" && lastDay) load(lastDay);
  }

  box.addEventListener("click", (event) => {
    const chip = event.target.closest(".fu-slot");
    if (chip) {
      book(chip);
      return;
    }
    const page = event.target.closest(".fu-page");
    if (page) {
      load(page.dataset.day, { paging: true });
      return;
    }
    if (event.target.closest("#fu-change")) load(lastDay || (current && current.date) || visit.state.today);
  });
  visit.on("follow-up-day", (day) => {
    if (day) load(day);
  });
  renderBooked();
});
