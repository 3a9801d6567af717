// Operations page: send a ping through the broker and poll its row until the worker answers.
(() => {
  "use strict";
  const button = document.getElementById("worker-ping-button");
  const out = document.getElementById("worker-ping-result");
  if (!button || !out) return;

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  button.addEventListener("click", async () => {
    button.disabled = true;
    out.textContent = "Sent; waiting for the worker…";
    try {
      const created = await fetch(button.dataset.url, {
        method: "POST",
        headers: { "X-CSRFToken": window.clusterHunt.csrfToken(), Accept: "application/json" },
        credentials: "same-origin",
      });
      const ping = await created.json();
      if (!created.ok) throw new Error(ping.detail || `HTTP ${created.status}`);
      for (let attempt = 0; attempt < 120; attempt += 1) {
        const response = await fetch(`${button.dataset.url}${ping.id}/`, { credentials: "same-origin" });
        const state = await response.json();
        if (state.status === "done") {
          out.innerHTML = "";
          const strong = document.createElement("strong");
          strong.textContent = `Answered by worker ${state.worker_hostname} pid ${state.worker_pid}`;
          out.append(strong, ` (web process pid ${state.web_pid}) in ${Math.round(state.round_trip_ms)} ms.`);
          out.dataset.workerPid = state.worker_pid;
          return;
        }
        await sleep(500);
      }
      out.textContent = "No answer after a minute: is a worker running (make worker)?";
    } catch (error) {
      out.textContent = `The ping failed: ${error.message}`;
    } finally {
      button.disabled = false;
    }
  });
})();
