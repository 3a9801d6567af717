// Export page: stream a CSV now, or queue a background export and poll its row until the file is ready.
(() => {
  "use strict";
  const root = document.getElementById("exports");
  const form = document.getElementById("export-form");
  if (!root || !form) return;
  const message = document.getElementById("export-message");
  const curl = document.getElementById("export-curl");
  const table = document.getElementById("export-jobs");
  const streamButton = document.getElementById("export-stream");
  const formatSelect = form.elements.file_format;
  const finished = new Set(["succeeded", "failed", "cancelled"]);
  const filterNames = ["workflow", "subject_set", "created_after", "created_before", "since_id", "since",
    "gold_only", "expert_only", "retired_only", "catalogue"];
  const csrf = () => (form.elements.csrfmiddlewaretoken || {}).value || window.clusterHunt.csrfToken();

  // datetime-local has no zone: the page says times are UTC, so say so to the server.
  const value = (name) => {
    const field = form.elements[name];
    if (!field) return "";
    if (field.type === "checkbox") return field.checked ? "true" : "";
    if (field.type === "datetime-local" && field.value) return `${field.value}Z`;
    return field.value;
  };
  const kind = () => form.elements.kind.value;

  const streamUrl = () => {
    const params = new URLSearchParams();
    if (kind() === "snapshot") return root.dataset.snapshotRowsUrl.replace("/0/", `/${value("snapshot")}/`);
    if (kind() === "classifications") params.set("layout", value("layout"));
    for (const name of filterNames) {
      if (name === "catalogue" && kind() !== "subjects") continue;
      if (value(name)) params.set(name, value(name));
    }
    const base = kind() === "subjects" ? root.dataset.subjectsUrl : root.dataset.classificationsUrl;
    const query = params.toString();
    return query ? `${base}?${query}` : base;
  };

  const jobPayload = () => {
    const payload = { kind: kind(), file_format: value("file_format") };
    if (kind() === "classifications") payload.layout = value("layout");
    if (kind() === "snapshot") payload.snapshot = Number(value("snapshot"));
    else for (const name of filterNames) if (value(name)) payload[name] = value(name);
    return payload;
  };

  const refresh = () => {
    for (const element of form.querySelectorAll("[data-for-kind]")) element.hidden = element.dataset.forKind !== kind();
    for (const element of form.querySelectorAll("[data-hide-for-kind]")) element.hidden = element.dataset.hideForKind === kind();
    if (kind() === "classifications" && formatSelect.value !== "csv") formatSelect.value = "csv";
    for (const option of formatSelect.options) option.disabled = kind() === "classifications" && option.value !== "csv";
    const csv = formatSelect.value === "csv";
    streamButton.disabled = !csv;
    streamButton.title = csv ? "" : "Only CSV streams; build other formats in the background.";
    const origin = window.location.origin;
    curl.textContent = csv
      ? `curl -H "Authorization: Token $TOKEN" -OJ '${origin}${streamUrl()}'`
      : `curl -H "Authorization: Token $TOKEN" -H 'Content-Type: application/json' -d '${JSON.stringify(jobPayload())}' ${origin}${root.dataset.jobsUrl}`;
  };
  form.addEventListener("input", refresh);
  form.addEventListener("change", refresh);
  refresh();

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    message.textContent = "Your download starts in a moment (the file streams as it is written).";
    window.location.assign(streamUrl());
  });

  const rowFor = (job) => {
    let row = table.querySelector(`tr[data-job-id="${job.id}"]`);
    if (!row) {
      row = document.createElement("tr");
      row.dataset.jobId = job.id;
      row.innerHTML = `<td></td><td class="job-what"></td><td class="job-status"></td>
        <td><progress max="100" value="0"></progress></td><td class="job-rows"></td><td class="job-file"></td>
        <td><button type="button" class="button button-small">Delete</button></td>`;
      row.cells[0].textContent = job.id;
      row.querySelector("progress").setAttribute("aria-label", `Export ${job.id} progress`);
      row.querySelector("button").dataset.deleteUrl = job.url;
      const empty = table.querySelector("tbody td[colspan]");
      if (empty) empty.parentElement.remove();
      table.tBodies[0].prepend(row);
    }
    return row;
  };

  const show = (job) => {
    const row = rowFor(job);
    row.dataset.status = job.status;
    row.querySelector(".job-what").textContent = `${job.kind}${job.layout ? ` (${job.layout})` : ""}, ${job.file_format}`;
    row.querySelector(".job-status").textContent = job.error ? `${job.status}: ${job.error}` : job.status;
    row.querySelector("progress").value = job.percent;
    row.querySelector(".job-rows").textContent = job.status === "succeeded" ? job.row_count : `${job.done}/${job.total}`;
    const cell = row.querySelector(".job-file");
    if (job.download_url && !cell.querySelector("a")) {
      cell.textContent = "";
      const link = document.createElement("a");
      link.href = job.download_url;
      link.download = job.file_name;
      link.textContent = job.file_name;
      cell.append(link);
    }
  };

  const poll = async () => {
    const pending = [...table.querySelectorAll("tr[data-job-id]")].filter((row) => !finished.has(row.dataset.status));
    for (const row of pending) {
      const response = await fetch(`${root.dataset.jobsUrl}${row.dataset.jobId}/`, { credentials: "same-origin" });
      if (response.ok) show(await response.json());
    }
  };
  setInterval(poll, 1000);

  document.getElementById("export-job").addEventListener("click", async () => {
    message.textContent = "Queuing…";
    const response = await fetch(root.dataset.jobsUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(jobPayload()),
    });
    const body = await response.json();
    if (!response.ok) {
      message.textContent = body.detail || Object.entries(body).map(([key, text]) => `${key}: ${text}`).join("; ");
      return;
    }
    message.textContent = `Export #${body.id} queued; the link appears below when the file is ready.`;
    show(body);
  });

  table.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-delete-url]");
    if (!button) return;
    const response = await fetch(button.dataset.deleteUrl, {
      method: "DELETE", credentials: "same-origin", headers: { "X-CSRFToken": csrf() },
    });
    if (response.ok) button.closest("tr").remove();
  });
})();
