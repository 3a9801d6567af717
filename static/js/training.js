// Model page: start a retraining run, then poll the run row and draw its progress and loss curve live.
(() => {
  "use strict";
  const root = document.getElementById("training");
  if (!root) return;
  const runsUrl = root.dataset.runsUrl;
  const live = document.getElementById("live-run");
  const button = document.getElementById("retrain-button");
  const message = document.getElementById("retrain-message");
  const chart = document.getElementById("loss-chart");
  const cancel = document.getElementById("cancel-run-button");
  const active = new Set(["queued", "running"]);
  const headers = () => ({ "Content-Type": "application/json", "X-CSRFToken": window.clusterHunt.csrfToken() });
  let watched = null;

  const svg = (name, attrs) => {
    const node = document.createElementNS("http://www.w3.org/2000/svg", name);
    Object.entries(attrs).forEach(([key, value]) => node.setAttribute(key, value));
    return node;
  };

  const drawCurve = (curve) => {
    chart.replaceChildren();
    const w = 600, h = 240, pad = 36;
    chart.append(svg("line", { x1: pad, y1: h - pad, x2: w - pad, y2: h - pad, stroke: "#8890b8" }));
    chart.append(svg("line", { x1: pad, y1: pad / 2, x2: pad, y2: h - pad, stroke: "#8890b8" }));
    const label = svg("text", { x: w / 2, y: h - 6, fill: "#b8c0e6", "font-size": 12, "text-anchor": "middle" });
    label.textContent = "epoch";
    chart.append(label);
    if (!curve.length) return;
    const losses = curve.flatMap((row) => [row.train_loss, row.val_loss]).filter((v) => Number.isFinite(v));
    const top = Math.max(...losses, 1e-6);
    const x = (i) => pad + (curve.length === 1 ? 0 : (i * (w - 2 * pad)) / (curve.length - 1));
    const y = (v) => h - pad - (v / top) * (h - 1.5 * pad);
    const yUnit = (v) => h - pad - v * (h - 1.5 * pad);
    const series = [
      ["train_loss", "#ffb454", y],
      ["val_loss", "#6fb7ff", y],
      ["val_accuracy", "#8ee6a8", yUnit],
    ];
    for (const [key, colour, scale] of series) {
      const points = curve.map((row, i) => (Number.isFinite(row[key]) ? `${x(i)},${scale(row[key])}` : null)).filter(Boolean);
      if (points.length) chart.append(svg("polyline", { points: points.join(" "), fill: "none", stroke: colour, "stroke-width": 2.5 }));
    }
    const topLabel = svg("text", { x: 4, y: pad / 2 + 10, fill: "#b8c0e6", "font-size": 11 });
    topLabel.textContent = top.toFixed(2);
    chart.append(topLabel);
  };

  const show = (run) => {
    live.hidden = false;
    live.querySelector("[data-run-id]").textContent = `#${run.id}`;
    live.querySelector("[data-run-status]").textContent = run.status;
    document.getElementById("run-progress").value = Math.round(run.percent);
    const training = run.stage === "training";
    live.querySelector("[data-run-stage]").textContent = run.status === "running" || !run.stage ? run.stage_text : run.status;
    live.querySelector("[data-run-epoch]").textContent = run.epochs
      ? `epoch ${run.epoch}/${run.epochs}${training ? `, batch ${run.batch}/${run.batches}` : " (training done)"}`
      : "no epoch yet";
    live.querySelector("[data-run-loss]").textContent = run.loss == null ? "–" : run.loss.toFixed(4);
    // The estimate covers training only: after the last epoch the stage list says what is left.
    live.querySelector("[data-run-eta]").textContent = training && run.eta_seconds != null ? `· about ${Math.ceil(run.eta_seconds)} s of training left` : "";
    const order = [...live.querySelectorAll("#run-stages [data-stage]")].map((item) => item.dataset.stage);
    const reached = run.status === "succeeded" ? order.length : order.indexOf(run.stage);
    live.querySelectorAll("#run-stages [data-stage]").forEach((item, i) => {
      item.classList.toggle("stage-done", i < reached);
      item.classList.toggle("stage-current", i === reached && run.status === "running");
      if (i === reached && run.status === "running") item.setAttribute("aria-current", "step");
      else item.removeAttribute("aria-current");
    });
    drawCurve(run.curve || []);
    if (run.error && message) message.textContent = run.error;
    if (cancel) {
      cancel.hidden = !active.has(run.status);
      cancel.dataset.url = run.cancel_url;
    }
  };

  const poll = async () => {
    const response = await fetch(watched || runsUrl, { credentials: "same-origin" });
    if (!response.ok) return;
    const body = await response.json();
    const run = Array.isArray(body) ? body.find((r) => active.has(r.status)) || null : body;
    if (!run) return;
    watched = run.url;
    show(run);
    if (!active.has(run.status)) {
      watched = null;
      if (message) message.textContent = `Run #${run.id} ${run.status}.`;
      setTimeout(() => window.location.reload(), 1500);
    }
  };
  setInterval(poll, 1000);
  poll();

  const anyway = document.getElementById("retrain-anyway-button");
  const retrain = async (confirmUnchanged) => {
    button.disabled = true;
    anyway.hidden = true;
    message.textContent = "Freezing the labels and queuing…";
    try {
      const body = JSON.stringify(confirmUnchanged ? { confirm_unchanged: true } : {});
      const response = await fetch(runsUrl, { method: "POST", credentials: "same-origin", headers: headers(), body });
      const answer = await response.json();
      if (response.status === 409 && answer.code === "no_new_labels") {
        // Same labels as the last run: say so and let the admin confirm rather than train an identical model.
        message.textContent = `Not started: ${answer.detail}.`;
        anyway.hidden = false;
      } else if (response.status === 409) message.textContent = `Already training: ${answer.detail}`;
      else if (!response.ok) message.textContent = answer.detail || `HTTP ${response.status}`;
      else { message.textContent = `Run #${answer.id} queued.`; watched = answer.url; show(answer); }
    } finally {
      button.disabled = false;
    }
  };
  if (button) {
    button.addEventListener("click", () => retrain(false));
    anyway.addEventListener("click", () => retrain(true));
  }

  if (cancel) {
    cancel.addEventListener("click", async () => {
      cancel.disabled = true;
      try {
        const response = await fetch(cancel.dataset.url, { method: "POST", credentials: "same-origin", headers: headers() });
        const body = await response.json();
        if (response.ok) show(body);
        message.textContent = response.ok ? `Run #${body.id} cancelled.` : body.detail || `HTTP ${response.status}`;
      } finally {
        cancel.disabled = false;
      }
    });
  }

  root.querySelectorAll("[data-promote-url]").forEach((promote) => {
    promote.addEventListener("click", async () => {
      const response = await fetch(promote.dataset.promoteUrl, { method: "POST", credentials: "same-origin", headers: headers() });
      const body = await response.json();
      message.textContent = body.detail;
      if (response.ok) setTimeout(() => window.location.reload(), 800);
    });
  });
})();
