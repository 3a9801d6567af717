// Volunteer-safe facts about a subject: where it is on the sky, how it was observed, who to credit.

/** Right ascension in degrees as "10h 00m 24.00s". */
export function formatRa(deg) {
  const hours = (((deg % 360) + 360) % 360) / 15;
  let [h, m, s] = sexagesimal(hours, 2);
  if (h === 24) h = 0;
  return `${pad(h)}h ${pad(m)}m ${s}s`;
}

/** Declination in degrees as "+02° 12′ 00.0″". */
export function formatDec(deg) {
  const sign = deg < 0 ? "−" : "+";
  const [d, m, s] = sexagesimal(Math.abs(deg), 1);
  return `${sign}${pad(d)}° ${pad(m)}′ ${s}″`;
}

// Whole units, minutes and rounded seconds, carrying when the seconds round up to 60.
function sexagesimal(value, digits) {
  let whole = Math.floor(value);
  let minutes = Math.floor((value - whole) * 60);
  let seconds = ((value - whole) * 60 - minutes) * 60;
  let text = seconds.toFixed(digits);
  if (Number(text) >= 60) {
    text = (0).toFixed(digits);
    minutes += 1;
    if (minutes === 60) { minutes = 0; whole += 1; }
  }
  return [whole, minutes, text.padStart(digits + 3, "0")];
}

function pad(n) {
  return String(n).padStart(2, "0");
}

function formatScale(arcsec) {
  return `${Number(arcsec).toFixed(arcsec < 10 ? 2 : 1)}″ per pixel`;
}

/** [term, description] pairs for the facts list. */
export function subjectFacts(subject) {
  const facts = [];
  if (subject.set_name) facts.push(["Subject set", subject.set_name]);
  if (Number.isFinite(subject.ra) && Number.isFinite(subject.dec)) {
    facts.push(["Position (RA, Dec)", `${formatRa(subject.ra)}, ${formatDec(subject.dec)}`]);
    facts.push(["Position (degrees)", `${subject.ra.toFixed(4)}°, ${subject.dec >= 0 ? "+" : "−"}${Math.abs(subject.dec).toFixed(4)}°`]);
  }
  const observation = subject.metadata?.obs_id ?? subject.metadata?.field;
  if (observation !== undefined && observation !== null && String(observation).trim()) {
    facts.push([subject.metadata?.obs_id ? "Observation" : "Observation / field", String(observation)]);
  }
  const exposure = Number(subject.metadata?.exposure_s);
  if (Number.isFinite(exposure) && exposure > 0) {
    facts.push(["X-ray exposure", exposure >= 1000 ? `${(exposure / 1000).toFixed(1)} ks` : `${Math.round(exposure)} s`]);
  }
  const scales = [];
  for (const [name, label] of [["xray", "X-ray"], ["optical", "optical"]]) {
    const scale = subject.bands?.[name]?.pixel_scale_arcsec;
    if (Number.isFinite(scale) && scale > 0) scales.push(`${label} ${formatScale(scale)}`);
  }
  if (scales.length) facts.push(["Pixel scale", scales.join("; ")]);
  return facts;
}

/** Fill the facts list and citation line (text only: nothing from the server is parsed as HTML). */
export function showFacts(list, citation, subject) {
  list.replaceChildren();
  for (const [term, description] of subjectFacts(subject)) {
    const wrap = document.createElement("div");
    const dt = document.createElement("dt");
    const dd = document.createElement("dd");
    dt.textContent = term;
    dd.textContent = description;
    wrap.append(dt, dd);
    list.append(wrap);
  }
  citation.textContent = subject.citation ? `Credit: ${subject.citation}` : "";
  citation.hidden = !subject.citation;
}
