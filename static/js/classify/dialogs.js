// The field guide (opened from "Need help?") and the first-visit tutorial, both <dialog> elements:
// modal, Esc closes them, and the browser returns focus to whatever opened them.

const TUTORIAL_FLAG = "clusterHunt.tutorialSeen";

function closeOnBackdrop(dialog) {
  // A click on the dialog element itself (not its content) is a click on the backdrop.
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close();
  });
}

// Field guide examples are drawn from the subjects' own data the way the viewer draws a subject at
// first sight (same stretch and limits, X-ray with the default smoothing), once, when the guide opens.
async function drawExamples(dialog, subjectUrl) {
  const { fetchBand } = await import("./bands.js");
  const { defaultSigma, gaussian } = await import("./smoothing.js");
  for (const item of dialog.querySelectorAll("[data-example-subject]")) {
    if (item.dataset.drawn) continue;
    item.dataset.drawn = "pending";
    try {
      const url = subjectUrl.replace(/\/0\/$/, `/${encodeURIComponent(item.dataset.exampleSubject)}/`);
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      const subject = await response.json();
      for (const canvas of item.querySelectorAll("[data-example-band]")) {
        const name = canvas.dataset.exampleBand;
        if (!subject.bands?.[name]) { canvas.hidden = true; continue; }
        let band = await fetchBand(name, subject.bands[name]);
        const limits = band.serverLimits() ?? band.limits("zscale");
        if (name === "xray") band = band.derived("xray-smoothed", gaussian(band.values(), band.width, band.height, defaultSigma(band)));
        const image = band.render({ lo: limits[0], hi: limits[1], stretch: band.meta.default_stretch || "asinh", invert: false });
        const ctx = canvas.getContext("2d");
        ctx.fillStyle = "#1b1f33";
        ctx.fillRect(0, 0, canvas.width, canvas.height);
        ctx.imageSmoothingEnabled = true;
        ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
      }
      item.dataset.drawn = "true";
    } catch {
      item.dataset.drawn = "failed";
    }
  }
}

export function setupFieldGuide(dialog, openers) {
  if (!dialog) return;
  const subjectUrl = dialog.dataset.subjectUrl || "/api/subjects/0/";
  closeOnBackdrop(dialog);
  for (const button of openers) {
    button?.addEventListener("click", () => {
      dialog.showModal();
      drawExamples(dialog, subjectUrl);
    });
  }
  for (const button of dialog.querySelectorAll("[data-close]")) button.addEventListener("click", () => dialog.close());
}

function seen() {
  try {
    return window.localStorage.getItem(TUTORIAL_FLAG) === "1";
  } catch {
    return false;
  }
}

function markSeen() {
  try {
    window.localStorage.setItem(TUTORIAL_FLAG, "1");
  } catch {
    // Storage can be unavailable (private mode, disabled): the tutorial just shows again next time.
  }
}

export function setupTutorial(dialog, openers) {
  if (!dialog) return;
  const steps = [...dialog.querySelectorAll("[data-step]")];
  const previous = dialog.querySelector('[data-tutorial="previous"]');
  const next = dialog.querySelector('[data-tutorial="next"]');
  const finish = dialog.querySelector('[data-tutorial="finish"]');
  const skip = dialog.querySelector('[data-tutorial="skip"]');
  const counter = dialog.querySelector("[data-step-counter]");
  let index = 0;

  const show = (i) => {
    index = Math.max(0, Math.min(steps.length - 1, i));
    steps.forEach((step, n) => { step.hidden = n !== index; });
    const last = index === steps.length - 1;
    previous.hidden = index === 0;
    next.hidden = last;
    finish.hidden = !last;
    if (counter) counter.textContent = `Step ${index + 1} of ${steps.length}`;
  };
  const open = () => {
    show(0);
    dialog.showModal();
  };

  previous.addEventListener("click", () => { show(index - 1); (index === 0 ? next : previous).focus(); });
  next.addEventListener("click", () => { show(index + 1); (index === steps.length - 1 ? finish : next).focus(); });
  finish.addEventListener("click", () => dialog.close());
  skip.addEventListener("click", () => dialog.close());
  // However it is closed (a button, Esc), the volunteer has seen it.
  dialog.addEventListener("close", markSeen);
  closeOnBackdrop(dialog);
  for (const button of openers) button?.addEventListener("click", open);
  if (!seen()) open();
}
