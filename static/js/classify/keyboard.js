// Keyboard shortcuts for the classify page. Keys typed into a form field never trigger them, and
// while a dialog is open it owns the keyboard (Esc closes the dialog, not the answer).

const PAN_STEP = 0.1; // of the visible field per arrow press
const ZOOM_STEP = 1.5;
const TEXT_INPUT = /^(text|search|email|url|tel|password|number|date|time|datetime-local|month|week)$/;

function inFormField(target) {
  if (!(target instanceof Element)) return false;
  if (target.isContentEditable || target.closest("select, textarea")) return true;
  return target.tagName === "INPUT" && TEXT_INPUT.test(target.type || "text");
}

export function bindKeyboard({ viewer, answers, select, done, back }) {
  const byShortcut = new Map(answers.map((button) => [button.getAttribute("aria-keyshortcuts"), button]));

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    if (document.querySelector("dialog[open]")) return;
    const target = event.target;
    if (inFormField(target)) return;
    const onAnswer = target instanceof Element && target.matches("button.answer");
    const onToggle = target instanceof Element && target.matches('input[type="checkbox"], input[type="radio"]');
    // Space and Enter keep their native meaning on other buttons, links and checkboxes (press them);
    // on an answer button they mean Flip and Done, so a mouse user's focus doesn't get in the way.
    const nativeActivation = !onAnswer && target instanceof Element && (onToggle || target.closest("button, a[href], summary"));
    const key = event.key;
    let handled = true;
    if (byShortcut.has(key)) {
      select(byShortcut.get(key));
    } else if (key === " " || key === "b" || key === "B") {
      if (key === " " && nativeActivation) return;
      // Without a second band there is nothing to flip: let Space scroll the page as usual.
      handled = viewer.bothBands();
      viewer.flip();
    } else if (key === "+" || key === "=") {
      viewer.zoomBy(ZOOM_STEP);
    } else if (key === "-" || key === "_") {
      viewer.zoomBy(1 / ZOOM_STEP);
    } else if (key === "0") {
      viewer.resetView();
    } else if (key.startsWith("Arrow")) {
      // At full view there is nothing to pan: arrows keep scrolling the page.
      if ((onToggle && target.type === "radio") || viewer.view.zoom <= 1) return;
      const [dx, dy] = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[key] ?? [0, 0];
      viewer.panBy(dx * PAN_STEP, dy * PAN_STEP);
    } else if (key === "Enter") {
      if (nativeActivation) return;
      done();
    } else if (key === "Backspace" || key === "Escape") {
      handled = back();
    } else {
      handled = false;
    }
    if (handled) event.preventDefault();
  });
}
