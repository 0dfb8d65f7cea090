// The doctor's tablet, vitals: steppers and number pads, °F/°C, BMI as the numbers go in, values
// outside the adult ranges flagged (word and icon), values no living patient has refused on the
// spot with the same message the server gives (its limits come in the page's state).
"use strict";

window.ClinicVisit.register(function vitals(visit) {
  const section = document.getElementById("vitals");
  const config = visit.state.vitals;
  const inputs = {};
  section.querySelectorAll("[data-vital]").forEach((input) => {
    inputs[input.dataset.vital] = input;
  });
  const unitButtons = Array.from(section.querySelectorAll("[data-temp-unit]"));
  let unit = (unitButtons.find((b) => b.getAttribute("aria-pressed") === "true") || unitButtons[0]).dataset.tempUnit;
  const TYPICAL_TEMPERATURE = { F: 98.6, C: 37.0 };
  const WHOLE = ["blood_pressure_systolic", "blood_pressure_diastolic", "pulse_rate", "respiratory_rate", "spo2"];

  function parse(text) {
    const value = String(text || "").trim().replace(",", ".");
    if (!value) return null;
    return /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
  }
  const round1 = (n) => Math.round(n * 10) / 10;
  const plain = (n) => String(round1(n));

  function limitOf(name) {
    if (name === "temperature") {
      const [low, high] = config.temperature_limits[unit];
      return { low, high, label: "temperature", unit: `°${unit}` };
    }
    return config.limits[name];
  }

  /** The refusal message for an impossible value, as consultations.services.vitals words it. */
  function problem(name, value) {
    const limit = limitOf(name);
    if (!limit) return "";
    if (Number.isNaN(value)) return `Enter the ${limit.label} as a number.`;
    if (value === null) return "";
    if (WHOLE.includes(name) && !Number.isInteger(value)) return `Enter the ${limit.label} as a whole number.`;
    if (value < limit.low || value > limit.high) {
      const spaced = limit.unit.startsWith("/") ? limit.unit : ` ${limit.unit}`;
      return `A ${limit.label} of ${value}${spaced} is not possible; check the reading (it must be between ${limit.low} and ${limit.high}${spaced}).`;
    }
    return "";
  }

  function bpProblem() {
    const sys = parse(inputs.blood_pressure_systolic.value);
    const dia = parse(inputs.blood_pressure_diastolic.value);
    if (sys && dia && !Number.isNaN(sys) && !Number.isNaN(dia) && sys <= dia) {
      return `${sys}/${dia}: the diastolic pressure must be below the systolic.`;
    }
    return "";
  }

  function showFlag(name, value, rangeName) {
    const line = document.getElementById(`f-${name}`);
    if (!line) return;
    const range = config.ranges[rangeName || name];
    const tile = line.closest(".vital");
    if (value === null || Number.isNaN(value) || !range || (value >= range[0] && value <= range[1])) {
      line.innerHTML = "";
      line.dataset.flag = "";
    } else {
      const high = value > range[1];
      const shownRange = rangeName === "temperature_c" && unit === "F"
        ? [plain((range[0] * 9) / 5 + 32), plain((range[1] * 9) / 5 + 32)]
        : range;
      line.dataset.flag = high ? "high" : "low";
      line.innerHTML = `${visit.icon("alert")}<span><strong>${high ? "High" : "Low"}</strong> · adult range ${shownRange[0]}–${shownRange[1]}</span>`;
    }
    if (tile) tile.classList.toggle("is-flagged", Boolean(tile.querySelector('.vital__flag[data-flag="high"], .vital__flag[data-flag="low"]')));
  }

  function showBmi(serverBmi) {
    const weight = parse(inputs.weight_kg.value);
    const height = parse(inputs.height_cm.value);
    let bmi = null;
    if (serverBmi !== undefined && serverBmi !== null) bmi = Number(serverBmi);
    else if (weight && height && !Number.isNaN(weight) && !Number.isNaN(height)) bmi = round1(weight / ((height / 100) ** 2));
    document.getElementById("v-bmi").textContent = bmi === null ? "—" : plain(bmi);
    showFlag("bmi", bmi);
  }

  function refreshFlags() {
    Object.keys(inputs).forEach((name) => {
      const value = parse(inputs[name].value);
      if (name === "temperature") {
        const celsius = value === null || Number.isNaN(value) ? value : unit === "F" ? ((value - 32) * 5) / 9 : value;
        showFlag("temperature", celsius === null || Number.isNaN(celsius) ? celsius : round1(celsius), "temperature_c");
      } else {
        showFlag(name, value);
      }
    });
    showBmi();
    visit.setDone("vitals", Object.values(inputs).some((input) => input.value.trim()));
  }

  function changed(name, { delay = 900 } = {}) {
    const value = parse(inputs[name].value);
    const message = problem(name, value);
    visit.setError(`e-${name}`, message);
    let crossMessage = "";
    if (name.startsWith("blood_pressure")) {
      crossMessage = bpProblem();
      visit.setError("e-blood_pressure_diastolic", problem("blood_pressure_diastolic", parse(inputs.blood_pressure_diastolic.value)) || crossMessage);
    }
    refreshFlags();
    if (message || crossMessage) return; // refused here; the last good value stays saved
    const body = name === "temperature" ? { temperature: value, temperature_unit: unit } : { [name]: value };
    if (name.startsWith("blood_pressure")) {
      // Both halves go together, so that the server checks the pair as the doctor sees it.
      body.blood_pressure_systolic = parse(inputs.blood_pressure_systolic.value);
      body.blood_pressure_diastolic = parse(inputs.blood_pressure_diastolic.value);
    }
    visit.save(
      { kind: "vitals", section: "vitals", part: "vitals", method: "PATCH", url: visit.urls.vitals, body, coalesce: "vitals", useBase: true },
      { delay },
    );
  }

  function setUnit(next, { save = true } = {}) {
    if (next === unit) return;
    const value = parse(inputs.temperature.value);
    if (value !== null && !Number.isNaN(value)) {
      inputs.temperature.value = plain(next === "C" ? ((value - 32) * 5) / 9 : (value * 9) / 5 + 32);
    }
    unit = next;
    unitButtons.forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.tempUnit === unit)));
    if (save) changed("temperature", { delay: 300 });
  }

  function step(input, direction) {
    const size = Number(input.dataset.stepSize || 1);
    const name = input.dataset.vital;
    const current = parse(input.value);
    let value;
    if (current === null || Number.isNaN(current)) {
      value = name === "temperature" ? TYPICAL_TEMPERATURE[unit] : Number(input.dataset.typical || 0);
    } else {
      value = current + direction * size;
    }
    const limit = limitOf(name);
    if (limit) value = Math.min(limit.high, Math.max(limit.low, value));
    input.value = size < 1 ? plain(value) : String(Math.round(value / size) * size);
    changed(name, { delay: 700 });
  }

  if (visit.vitalsEditable) {
    Object.entries(inputs).forEach(([name, input]) => {
      input.addEventListener("input", () => changed(name));
    });
    section.querySelectorAll("[data-step]").forEach((button) => {
      button.addEventListener("click", () => step(document.getElementById(button.dataset.for), Number(button.dataset.step)));
    });
    unitButtons.forEach((button) => button.addEventListener("click", () => setUnit(button.dataset.tempUnit)));
    // Typed before this script ran (a slow tablet): save it like any other typing.
    Object.entries(inputs).forEach(([name, input]) => {
      if (input.value !== input.defaultValue) changed(name);
    });
  } else {
    section.querySelectorAll(".stepper__btn").forEach((button) => {
      button.disabled = true;
    });
  }

  visit.handle("vitals", {
    saved(op, data) {
      if (data && data.bmi !== undefined && !visit.outbox.pending((o) => o.kind === "vitals").length) showBmi(data.bmi);
    },
    rejected(op, result, error) {
      const fields = error.fields || {};
      let shown = false;
      Object.entries(fields).forEach(([name, messages]) => {
        const id = name === "temperature_c" ? "e-temperature" : `e-${name}`;
        if (document.getElementById(id)) {
          visit.setError(id, messages[0]);
          shown = true;
        }
      });
      if (!shown) visit.setError("e-pulse_rate", error.message);
      return true;
    },
    restore(op) {
      Object.entries(op.body || {}).forEach(([name, value]) => {
        if (name === "temperature_unit") setUnit(value, { save: false });
        else if (inputs[name]) inputs[name].value = value === null || value === undefined ? "" : String(value);
      });
      refreshFlags();
    },
    serverPart(detail, op) {
      const server = detail.vitals || {};
      const same = (a, b) => (a === null || a === undefined || a === "" ? b === null || b === undefined || b === "" : Number(a) === Number(b));
      const matches = Object.entries(op.body || {}).every(([name, value]) => {
        if (name === "temperature_unit") return server.temperature_unit === value;
        return same(server[name], value);
      });
      return { matches, updated_at: server.updated_at };
    },
  });

  refreshFlags();
});
