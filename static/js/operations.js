// Operations page: send a ping through the broker and poll its row until the worker answers.
(() => {
  "use strict";
  const button = document.getElementById("worker-ping-button");
  const out = document.getElementById("worker-ping-result");
  if (!button || !out) return;

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const table = document.getElementById("worker-pings");

  // The "Recent pings" table follows the ping: a new row when it is sent, its cells as the worker answers.
  const showRow = (ping) => {
    if (!table) return;
    let row = table.querySelector(`tr[data-ping-id="${ping.id}"]`);
    if (!row) {
      row = document.createElement("tr");
      row.dataset.pingId = ping.id;
      for (let i = 0; i < 5; i += 1) row.append(document.createElement("td"));
      const empty = table.querySelector("tbody td[colspan]");
      if (empty) empty.parentElement.remove();
      table.tBodies[0].prepend(row);
    }
    const cells = [
      String(ping.id),
      ping.status_display,
      `${ping.web_hostname} pid ${ping.web_pid}`,
      ping.worker_pid ? `${ping.worker_hostname} pid ${ping.worker_pid}` : "–",
      ping.round_trip_ms == null ? "–" : `${Math.round(ping.round_trip_ms)} ms`,
    ];
    cells.forEach((value, i) => { row.cells[i].textContent = value; });
  };

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
      showRow(ping);
      for (let attempt = 0; attempt < 120; attempt += 1) {
        const response = await fetch(`${button.dataset.url}${ping.id}/`, { credentials: "same-origin" });
        const state = await response.json();
        if (response.ok) showRow(state);
        if (state.status === "failed") {
          out.textContent = `The ping failed: ${state.error}`;
          return;
        }
        if (state.status === "succeeded") {
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

// Ingestion: queue a job, then poll every unfinished job's row and move its progress bar.
(() => {
  "use strict";
  const form = document.getElementById("ingest-form");
  const table = document.getElementById("ingest-jobs");
  if (!form || !table) return;
  const message = document.getElementById("ingest-message");
  const listUrl = form.dataset.url;
  const finished = new Set(["succeeded", "failed", "cancelled"]);

  const rowFor = (job) => {
    let row = table.querySelector(`tr[data-job-id="${job.id}"]`);
    if (!row) {
      row = document.createElement("tr");
      row.dataset.jobId = job.id;
      row.innerHTML = `<td></td><td><code></code></td><td class="job-set"></td><td class="job-status"></td>
        <td><progress max="1" value="0" aria-label="Ingestion ${job.id} progress"></progress> <span class="job-count"></span></td>
        <td class="job-result"></td>`;
      row.cells[0].textContent = job.id;
      row.querySelector("code").textContent = job.source;
      const empty = table.querySelector("tbody td[colspan]");
      if (empty) empty.parentElement.remove();
      table.tBodies[0].prepend(row);
    }
    return row;
  };

  const show = (job) => {
    const row = rowFor(job);
    row.dataset.status = job.status;
    const bar = row.querySelector("progress");
    bar.max = job.total || 1;
    bar.value = job.done;
    row.querySelector(".job-count").textContent = `${job.done}/${job.total}`;
    row.querySelector(".job-status").textContent = job.error ? `${job.status}: ${job.error}` : job.status;
    row.querySelector(".job-result").textContent = `${job.created} / ${job.skipped}`;
    if (job.subject_set && row.cells[2]) row.cells[2].textContent = job.subject_set;
  };

  const poll = async () => {
    const pending = [...table.querySelectorAll("tr[data-job-id]")].filter((row) => !finished.has(row.dataset.status));
    for (const row of pending) {
      const response = await fetch(`${listUrl}${row.dataset.jobId}/`, { credentials: "same-origin" });
      if (response.ok) show(await response.json());
    }
  };
  setInterval(poll, 1000);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const payload = Object.fromEntries([...new FormData(form)].filter(([, value]) => value !== ""));
    message.textContent = "Queuing…";
    const response = await fetch(listUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": window.clusterHunt.csrfToken() },
      body: JSON.stringify(payload),
    });
    const body = await response.json();
    if (!response.ok) {
      message.textContent = body.detail || Object.entries(body).map(([k, v]) => `${k}: ${v}`).join("; ");
      return;
    }
    message.textContent = `Ingestion #${body.id} queued.`;
    show(body);
  });
})();
