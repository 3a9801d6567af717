// Morphology page: admins measure the subjects not yet measured, with the run's progress bar.
(() => {
  "use strict";
  const root = document.getElementById("morphology");
  if (!root) return;
  const urls = JSON.parse(document.getElementById("morphology-urls").textContent);
  const button = document.getElementById("morphology-button");
  if (!button) return;
  const progress = document.getElementById("morphology-progress");
  const message = document.getElementById("morphology-message");
  const headers = () => ({ "Content-Type": "application/json", "X-CSRFToken": window.clusterHunt.csrfToken() });
  const poll = async (url) => {
    const response = await fetch(url, { credentials: "same-origin" });
    const run = await response.json();
    progress.hidden = false;
    progress.value = Math.round(run.percent);
    message.textContent = `Morphology run #${run.id}: ${run.status} (${run.done} of ${run.total})${run.error ? ` ${run.error}` : ""}`;
    if (run.status === "queued" || run.status === "running") setTimeout(() => poll(url), 1000);
    else if (run.status === "succeeded") window.location.reload();
  };
  button.addEventListener("click", async () => {
    const response = await fetch(urls.morphology_runs, {
      method: "POST", headers: headers(), credentials: "same-origin", body: JSON.stringify({ only_missing: true }),
    });
    const body = await response.json();
    if (!response.ok) {
      message.textContent = body.detail || `error ${response.status}`;
      return;
    }
    poll(body.url);
  });
})();
