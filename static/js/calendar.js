// The calendar (appointments/templates/appointments/calendar.html): open at the working part of
// the day instead of at opening time: the current time on today's page, or the first appointment.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const scroller = document.querySelector(".cal-scroll");
  if (!scroller) return;
  const mark = scroller.querySelector(".cal__now") || scroller.querySelector(".cal-ev");
  if (!mark) return;
  const head = scroller.querySelector(".cal__head");
  const offset = mark.getBoundingClientRect().top - scroller.getBoundingClientRect().top + scroller.scrollTop;
  const headHeight = head ? head.offsetHeight : 0;
  scroller.scrollTop = Math.max(0, offset - headHeight - scroller.clientHeight / 4);
});
