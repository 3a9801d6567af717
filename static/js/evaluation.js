// Evaluation dashboard: the threshold slider (TPR/FPR/purity and ROC markers, computed in the browser from the
// run's stored threshold grid) and the admin's "Evaluate now" button (POST, then poll the run until it ends).
(() => {
  "use strict";
  const root = document.getElementById("evaluation");
  if (!root) return;

  const dataNode = document.getElementById("evaluation-slider-data");
  const slider = document.getElementById("threshold-slider");
  if (dataNode && slider) {
    const data = JSON.parse(dataNode.textContent);
    const [left, bottom, width, height] = data.axes;
    const output = document.getElementById("threshold-value");
    const fmt = (value) => (value == null || !Number.isFinite(value) ? "–" : value.toFixed(3));
    const update = () => {
      const threshold = Number(slider.value);
      output.textContent = threshold.toFixed(3);
      for (const [name, s] of Object.entries(data.scorers)) {
        // The grid holds thresholds i / steps: index, not float comparison, so counts are exact.
        const i = Math.min(s.steps, Math.max(0, Math.round(threshold * s.steps)));
        const tp = s.tp[i], fp = s.fp[i];
        const fn = s.positives - tp, tn = s.negatives - fp;
        const tpr = s.positives ? tp / s.positives : null;
        const fpr = s.negatives ? fp / s.negatives : null;
        const purity = tp + fp ? tp / (tp + fp) : null;
        const row = root.querySelector(`#live-table tr[data-scorer="${name}"]`);
        if (row) {
          const cells = { tpr: fmt(tpr), fpr: fmt(fpr), purity: fmt(purity), tp, fp, tn, fn };
          for (const [key, value] of Object.entries(cells)) row.querySelector(`[data-live="${key}"]`).textContent = value;
        }
        root.querySelectorAll(`.roc-marker[data-scorer="${name}"]`).forEach((marker) => {
          const log = marker.dataset.scale === "log";
          // On the log-FPR chart FPR = 0 has no place: the marker is hidden there.
          if (tpr == null || fpr == null || (log && fpr <= 0)) {
            marker.hidden = true;
            return;
          }
          const x = log ? Math.max(0, (Math.log10(fpr) - Math.log10(data.log_fpr_min)) / -Math.log10(data.log_fpr_min)) : fpr;
          marker.style.left = `${100 * (left + width * x)}%`;
          marker.style.top = `${100 * (1 - (bottom + height * tpr))}%`;
          marker.dataset.fpr = fpr;
          marker.dataset.tpr = tpr;
          marker.hidden = false;
        });
      }
      // The rates chart's vertical line follows the slider (the image's own line marks the run's threshold).
      const line = document.getElementById("threshold-line");
      if (line && data.threshold_axes) {
        const [tLeft, tBottom, tWidth, tHeight] = data.threshold_axes;
        line.style.left = `${100 * (tLeft + tWidth * threshold)}%`;
        line.style.top = `${100 * (1 - tBottom - tHeight)}%`;
        line.style.height = `${100 * tHeight}%`;
        line.dataset.threshold = threshold;
        line.hidden = false;
      }
    };
    slider.addEventListener("input", update);
    update();
  }

  const form = document.getElementById("evaluate-form");
  if (form) {
    const message = document.getElementById("evaluate-message");
    const button = document.getElementById("evaluate-button");
    const headers = { "Content-Type": "application/json", "X-CSRFToken": window.clusterHunt.csrfToken() };
    const watch = async (url) => {
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) return;
      const run = await response.json();
      message.textContent = `Evaluation #${run.id}: ${run.status}${run.error ? ` (${run.error})` : ""}`;
      if (run.status === "succeeded") window.location.assign(run.dashboard_url);
      else if (run.status === "failed") button.disabled = false;
      else setTimeout(() => watch(url), 1000);
    };
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      button.disabled = true;
      const fields = new FormData(form);
      const body = {
        classes: String(fields.get("classes")).split(","),
        split: fields.get("split"),
      };
      if (fields.get("catalogue")) body.catalogue = Number(fields.get("catalogue"));
      const response = await fetch(root.dataset.apiUrl, {
        method: "POST", credentials: "same-origin", headers, body: JSON.stringify(body),
      });
      const answer = await response.json().catch(() => ({}));
      if (response.status !== 202) {
        message.textContent = answer.detail || `Not started (HTTP ${response.status}).`;
        button.disabled = false;
        return;
      }
      message.textContent = `Evaluation #${answer.id} queued.`;
      watch(answer.url);
    });
  }
})();
