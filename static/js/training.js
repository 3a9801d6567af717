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

  const text = (x, y, content, attrs = {}) => {
    const node = svg("text", { x, y, fill: "#b8c0e6", "font-size": 11, ...attrs });
    node.textContent = content;
    return node;
  };

  // Losses on the left axis (0 to the largest loss), validation accuracy on its own right axis (0-1).
  const drawCurve = (curve) => {
    chart.replaceChildren();
    const w = 600, h = 240, left = 48, right = 48, top = 14, bottom = 34;
    const plotW = w - left - right, plotH = h - top - bottom;
    chart.append(svg("line", { x1: left, y1: h - bottom, x2: w - right, y2: h - bottom, stroke: "#8890b8" }));
    chart.append(svg("line", { x1: left, y1: top, x2: left, y2: h - bottom, stroke: "#ffb454" }));
    chart.append(svg("line", { x1: w - right, y1: top, x2: w - right, y2: h - bottom, stroke: "#8ee6a8" }));
    chart.append(text(w / 2, h - 4, "epoch", { "text-anchor": "middle", "font-size": 12 }));
    chart.append(text(12, top + plotH / 2, "loss", { "text-anchor": "middle", transform: `rotate(-90 12 ${top + plotH / 2})` }));
    chart.append(text(w - 10, top + plotH / 2, "accuracy", { "text-anchor": "middle", transform: `rotate(90 ${w - 10} ${top + plotH / 2})` }));
    if (!curve.length) return;
    const losses = curve.flatMap((row) => [row.train_loss, row.val_loss]).filter((v) => Number.isFinite(v));
    const most = Math.max(...losses, 1e-6);
    const x = (i) => left + (curve.length === 1 ? plotW / 2 : (i * plotW) / (curve.length - 1));
    const yLoss = (v) => h - bottom - (v / most) * plotH;
    const yUnit = (v) => h - bottom - v * plotH;
    for (const share of [0, 0.5, 1]) {
      chart.append(text(left - 4, yLoss(share * most) + 4, (share * most).toFixed(2), { "text-anchor": "end" }));
      chart.append(text(w - right + 4, yUnit(share) + 4, share.toFixed(1)));
    }
    const first = curve[0].epoch ?? 1, last = curve[curve.length - 1].epoch ?? curve.length;
    chart.append(text(x(0), h - bottom + 14, String(first), { "text-anchor": "middle" }));
    if (curve.length > 1) chart.append(text(x(curve.length - 1), h - bottom + 14, String(last), { "text-anchor": "middle" }));
    const series = [
      ["train_loss", "#ffb454", yLoss, ""],
      ["val_loss", "#6fb7ff", yLoss, ""],
      ["val_accuracy", "#8ee6a8", yUnit, "6 4"],
    ];
    for (const [key, colour, scale, dash] of series) {
      const points = curve.map((row, i) => (Number.isFinite(row[key]) ? `${x(i)},${scale(row[key])}` : null)).filter(Boolean);
      if (points.length) chart.append(svg("polyline", { points: points.join(" "), fill: "none", stroke: colour, "stroke-width": 2.5, "stroke-dasharray": dash, "data-series": key }));
    }
  };

  const show = (run) => {
    live.hidden = false;
    live.querySelector("[data-run-id]").textContent = `#${run.id}`;
    live.querySelectorAll("[data-evaluation-for]").forEach((link) => { link.hidden = link.dataset.evaluationFor !== String(run.id); });
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

  let latestShown = false;
  const poll = async () => {
    const response = await fetch(watched || runsUrl, { credentials: "same-origin" });
    if (!response.ok) return;
    const body = await response.json();
    if (Array.isArray(body)) {
      const current = body.find((r) => active.has(r.status));
      if (current) {
        watched = current.url;
        show(current);
      } else if (!latestShown && body.length) {
        // No run in progress: the newest run's curve stays on the page (it used to vanish on reload).
        latestShown = true;
        show(body[0]);
      }
      return;
    }
    const run = body;
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
