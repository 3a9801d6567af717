// The volunteer classify page: loads subjects one at a time, lets the volunteer look (viewer.js) and
// answer, and posts each classification with an idempotency key so a retried POST never counts twice.
import { ApiError, fetchNext, newKey, postClassification } from "./api.js";
import { bindControls } from "./controls.js";
import { setupFieldGuide, setupTutorial } from "./dialogs.js";
import { showFacts } from "./facts.js";
import { bindKeyboard } from "./keyboard.js";
import { Viewer } from "./viewer.js";

const CONFLICT_PAUSE_MS = 1800;

const root = document.getElementById("classifier");
const workflow = JSON.parse(document.getElementById("workflow-data").textContent);
const el = {
  answers: [...root.querySelectorAll("button.answer")],
  done: root.querySelector('[data-action="done"]'),
  doneTalk: root.querySelector('[data-action="done-talk"]'),
  back: root.querySelector('[data-action="back"]'),
  next: root.querySelector('[data-action="next"]'),
  feedback: document.getElementById("feedback"),
  count: document.getElementById("session-count"),
  errorBox: document.getElementById("classify-error"),
  errorText: document.getElementById("classify-error-text"),
  retry: root.querySelector('[data-action="retry"]'),
  status: document.getElementById("classify-status"),
  body: root.querySelector(".classify-body"),
  panels: root.querySelector(".panels"),
  doneAll: document.getElementById("done-all"),
  facts: document.getElementById("subject-facts"),
  citation: document.getElementById("subject-citation"),
  question: document.getElementById("task-question"),
};

let sync = () => {};
const viewer = new Viewer(root, () => sync());
sync = bindControls(root, viewer);

let current = null; // {subject, bands, key, shownAt, submitted: body of the last attempt or null}
let selected = null;
let preload = null;
let generation = 0;
let retryAction = null;
let refocus = false; // after a submission, bring keyboard focus back to the task
const classified = new Set();

function setState(state) {
  root.dataset.state = state;
  el.panels.setAttribute("aria-busy", String(state === "loading"));
  const canAnswer = Boolean(current) && (state === "ready" || state === "error");
  el.done.disabled = !(canAnswer && selected);
  el.doneTalk.disabled = !(canAnswer && selected);
  el.back.disabled = !(canAnswer && selected);
}

function announce(message) {
  // Clearing first makes screen readers repeat an identical message.
  el.status.textContent = "";
  window.setTimeout(() => { el.status.textContent = message; }, 50);
}

function showError(message, retry = null) {
  el.errorText.textContent = message;
  el.errorBox.classList.add("is-shown");
  retryAction = retry;
  el.retry.hidden = !retry;
}

function clearError() {
  el.errorText.textContent = "";
  el.errorBox.classList.remove("is-shown");
  el.retry.hidden = true;
  retryAction = null;
}

function select(button) {
  if (!current || !["ready", "error"].includes(root.dataset.state)) return;
  selected = button;
  for (const b of el.answers) b.setAttribute("aria-pressed", String(b === button));
  if (!retryAction) clearError();
  setState(root.dataset.state);
}

function unselect() {
  if (!selected || root.dataset.state === "submitting") return;
  selected = null;
  for (const b of el.answers) b.setAttribute("aria-pressed", "false");
  setState(root.dataset.state);
}

function showSubject(result) {
  showFeedback(null); // feedback belongs to the subject it is about, never under the next one
  current = { ...result, key: newKey(), shownAt: performance.now(), submitted: null };
  selected = null;
  for (const b of el.answers) b.setAttribute("aria-pressed", "false");
  root.dataset.subjectId = String(result.subject.id);
  viewer.setSubject(result.bands, { ra: result.subject.ra, dec: result.subject.dec });
  showFacts(el.facts, el.citation, result.subject);
  clearError();
  setState("ready");
  announce(result.bands.optical ? "Subject loaded" : "Subject loaded, X-ray image only");
  // Done was pressed and is now disabled, so focus fell to the page: put it back on the question.
  const lost = document.activeElement === document.body || document.activeElement?.disabled;
  if (refocus && lost) el.question.focus({ preventScroll: true });
  refocus = false;
  // Fetch the next subject while the volunteer looks at this one.
  const id = result.subject.id;
  preload = fetchNext(root.dataset.nextUrl, id).catch(() => null);
}

function showDoneAll() {
  current = null;
  preload = null;
  viewer.stopAutoBlink();
  delete root.dataset.subjectId;
  clearError();
  el.body.hidden = true;
  el.doneAll.hidden = false;
  setState("done-all");
  // The heading says it all; focusing it makes screen readers read it.
  el.status.textContent = "";
  el.doneAll.querySelector("h2")?.focus();
}

async function loadNext() {
  const mine = ++generation;
  current = null;
  selected = null;
  setState("loading");
  viewer.setLoading();
  let result = null;
  if (preload) {
    const pending = preload;
    preload = null;
    result = await pending;
    // The server may not honour `exclude`, or something may have changed since: only use a
    // preloaded subject that is still new to this volunteer; "nothing left" is asked again.
    if (result && (!result.subject || classified.has(result.subject.id))) result = null;
  }
  try {
    result ??= await fetchNext(root.dataset.nextUrl);
  } catch (error) {
    if (mine !== generation) return;
    showError(error.message, () => loadNext());
    setState("error");
    return;
  }
  if (mine !== generation) return;
  if (!result.subject) showDoneAll();
  else showSubject(result);
}

function showFeedback(feedback) {
  if (!feedback) {
    el.feedback.textContent = "";
    el.feedback.className = "feedback";
    return;
  }
  const verdict = feedback.agrees ? "you agreed!" : "this one was tricky";
  el.feedback.textContent = `The experts say: ${feedback.expert_label_display || feedback.expert_label} — ${verdict}`;
  el.feedback.className = `feedback ${feedback.agrees ? "feedback-agree" : "feedback-tricky"}`;
}

async function submit({ talk = false } = {}) {
  if (!current || !selected || !["ready", "error"].includes(root.dataset.state)) return;
  const subject = current.subject;
  // A retry re-sends the same answer under the same key; a changed answer is a new attempt body
  // but keeps the key, so the server still records at most one classification for this showing.
  const body = {
    subject: subject.id,
    workflow: workflow.slug,
    answer: selected.dataset.answer,
    redshift: selected.dataset.redshift || "",
    idempotency_key: current.key,
    time_spent_ms: current.submitted?.time_spent_ms ?? Math.round(performance.now() - current.shownAt),
    viewer_state: viewer.state(),
  };
  current.submitted = body;
  setState("submitting");
  let response;
  try {
    response = await postClassification(root.dataset.classifyUrl, body);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.status === 409) {
      // Already classified or retired meanwhile: say so briefly, then move on.
      classified.add(subject.id);
      showError(error.message);
      refocus = true;
      window.setTimeout(() => loadNext(), CONFLICT_PAUSE_MS);
      return;
    }
    const retryable = error.network || error.status >= 500;
    showError(error.message, retryable ? () => submit({ talk }) : null);
    setState("error");
    return;
  }
  classified.add(subject.id);
  clearError();
  if (Number.isFinite(response.session_count)) el.count.textContent = String(response.session_count);
  else el.count.textContent = String(Number(el.count.textContent || 0) + 1);
  const feedback = workflow.gold_feedback === false ? null : response.feedback;
  showFeedback(feedback);
  // #feedback is a live region of its own; otherwise confirm the save.
  if (!el.feedback.textContent) announce("Classification saved");
  if (talk) {
    window.location.assign(response.talk_url || subject.talk_url);
    return;
  }
  if (feedback) {
    // Keep this subject on screen with what the experts say about it until the volunteer moves on.
    setState("feedback");
    el.next.hidden = false;
    el.next.focus({ preventScroll: true });
    return;
  }
  refocus = true;
  loadNext();
}

function nextAfterFeedback() {
  if (root.dataset.state !== "feedback") return false;
  el.next.hidden = true;
  refocus = true;
  loadNext();
  return true;
}

for (const button of el.answers) button.addEventListener("click", () => select(button));
el.done.addEventListener("click", () => submit());
el.doneTalk.addEventListener("click", () => submit({ talk: true }));
el.back.addEventListener("click", unselect);
el.next.addEventListener("click", () => nextAfterFeedback());
el.retry.addEventListener("click", () => retryAction?.());

bindKeyboard({
  viewer,
  answers: el.answers,
  select,
  done: () => nextAfterFeedback() || submit(),
  back: () => {
    if (!selected) return false;
    unselect();
    return true;
  },
});
setupFieldGuide(document.getElementById("field-guide"), [root.querySelector('[data-action="help"]')]);
setupTutorial(document.getElementById("tutorial"), [root.querySelector('[data-action="tutorial"]')]);

// Read-only hook for browser tests: the grey level actually drawn at a canvas pixel.
window.clusterHuntViewer = Object.freeze({
  pixelAt: (band, x, y) => viewer.pixelAt(band, x, y),
  contourSignificances: () => viewer.contourSignificances(),
  skyAt: (band, x, y) => viewer.skyAt(band, x, y),
});

loadNext();
