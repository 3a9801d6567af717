// Latent-space page: draw the map (canvas), recolour it, box-select points and list those subjects; admins
// recompute embeddings (with a progress bar) and send the anomaly queue to volunteers.
(() => {
  "use strict";
  const root = document.getElementById("latent");
  if (!root) return;
  const urls = JSON.parse(document.getElementById("latent-urls").textContent);
  const headers = () => ({ "Content-Type": "application/json", "X-CSRFToken": window.clusterHunt.csrfToken() });
  const PALETTE = ["#ff6b6b", "#ffb454", "#6fb7ff", "#8ee6a8", "#c792ea", "#f78fb3", "#7fdbda", "#e0e0e0"];
  const MISSING = "#555a7a";
  const NS = "http://www.w3.org/2000/svg";

  const canvas = document.getElementById("latent-map");
  const select = document.getElementById("latent-colour");
  const statusLine = document.getElementById("latent-status");
  const legend = document.getElementById("latent-legend");
  const list = document.getElementById("latent-selection");
  const count = document.getElementById("selection-count");
  let data = null;
  let colours = [];
  let box = null;

  const swatch = (colour) => {
    const icon = document.createElementNS(NS, "svg");
    icon.setAttribute("width", "12");
    icon.setAttribute("height", "12");
    const dot = document.createElementNS(NS, "circle");
    [["cx", 6], ["cy", 6], ["r", 5], ["fill", colour]].forEach(([k, v]) => dot.setAttribute(k, v));
    icon.append(dot);
    return icon;
  };

  const legendItem = (colour, text) => {
    const item = document.createElement("li");
    item.append(swatch(colour), document.createTextNode(text));
    return item;
  };

  // Numbers on a blue-to-red ramp between their 2nd and 98th percentiles; categories on the palette.
  const colourise = () => {
    legend.replaceChildren();
    if (data.kind === "category") {
      const names = [...new Set(data.values.filter((v) => v !== null))].sort();
      const of = new Map(names.map((name, i) => [name, PALETTE[i % PALETTE.length]]));
      colours = data.values.map((v) => (v === null ? MISSING : of.get(v)));
      names.forEach((name) => legend.append(legendItem(of.get(name), name)));
    } else {
      const known = data.values.filter((v) => v !== null).sort((a, b) => a - b);
      const lo = known.length ? known[Math.floor(0.02 * (known.length - 1))] : 0;
      const hi = known.length ? known[Math.ceil(0.98 * (known.length - 1))] : 1;
      const ramp = (v) => {
        const t = hi > lo ? Math.min(1, Math.max(0, (v - lo) / (hi - lo))) : 0.5;
        return `rgb(${Math.round(60 + 195 * t)},${Math.round(120 - 40 * Math.abs(t - 0.5))},${Math.round(255 - 195 * t)})`;
      };
      colours = data.values.map((v) => (v === null ? MISSING : ramp(v)));
      legend.append(legendItem(ramp(lo), `≤ ${lo.toPrecision(3)}`), legendItem(ramp(hi), `≥ ${hi.toPrecision(3)}`));
    }
    if (data.values.some((v) => v === null)) legend.append(legendItem(MISSING, "unknown"));
  };

  const bounds = () => {
    const pad = 12;
    const xs = data.x, ys = data.y;
    const minX = Math.min(...xs), maxX = Math.max(...xs), minY = Math.min(...ys), maxY = Math.max(...ys);
    const sx = (canvas.width - 2 * pad) / (maxX - minX || 1), sy = (canvas.height - 2 * pad) / (maxY - minY || 1);
    return { px: (x) => pad + (x - minX) * sx, py: (y) => canvas.height - pad - (y - minY) * sy };
  };

  const draw = () => {
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (!data) return;
    const { px, py } = bounds();
    const radius = data.ids.length > 20000 ? 1 : 2.5;
    for (let i = 0; i < data.ids.length; i += 1) {
      ctx.fillStyle = colours[i];
      ctx.fillRect(px(data.x[i]) - radius, py(data.y[i]) - radius, 2 * radius, 2 * radius);
    }
    if (box) {
      ctx.strokeStyle = "#ffffff";
      ctx.setLineDash([4, 3]);
      ctx.strokeRect(box.x0, box.y0, box.x1 - box.x0, box.y1 - box.y0);
      ctx.setLineDash([]);
    }
  };

  const load = async () => {
    statusLine.textContent = "Loading the map…";
    const response = await fetch(`${urls.map}?colour=${encodeURIComponent(select.value)}`, { credentials: "same-origin" });
    const body = await response.json();
    if (!response.ok) {
      statusLine.textContent = body.detail || `error ${response.status}`;
      return;
    }
    data = body;
    colourise();
    statusLine.textContent = `${data.ids.length} subjects`;
    draw();
  };

  const point = (event) => {
    const rect = canvas.getBoundingClientRect();
    return {
      x: ((event.clientX - rect.left) * canvas.width) / rect.width,
      y: ((event.clientY - rect.top) * canvas.height) / rect.height,
    };
  };

  const showSelection = (rows) => {
    list.replaceChildren();
    count.textContent = rows.length ? `(${rows.length})` : "(none)";
    rows.slice(0, 200).forEach((i) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = urls.subject.replace("/0/", `/${data.ids[i]}/`);
      link.textContent = `Subject ${data.ids[i]}`;
      item.append(link);
      if (data.values[i] !== null) {
        const value = document.createElement("span");
        value.className = "muted";
        value.textContent = typeof data.values[i] === "number" ? data.values[i].toPrecision(3) : data.values[i];
        item.append(value);
      }
      list.append(item);
    });
  };

  const selectBox = () => {
    const { px, py } = bounds();
    const [x0, x1] = [Math.min(box.x0, box.x1), Math.max(box.x0, box.x1)];
    const [y0, y1] = [Math.min(box.y0, box.y1), Math.max(box.y0, box.y1)];
    // A click (no drag) takes the points within a few pixels of it.
    const grow = x1 - x0 < 3 && y1 - y0 < 3 ? 5 : 0;
    const rows = [];
    for (let i = 0; i < data.ids.length; i += 1) {
      const x = px(data.x[i]), y = py(data.y[i]);
      if (x >= x0 - grow && x <= x1 + grow && y >= y0 - grow && y <= y1 + grow) rows.push(i);
    }
    showSelection(rows);
  };

  if (canvas) {
    canvas.addEventListener("pointerdown", (event) => {
      if (!data) return;
      const p = point(event);
      box = { x0: p.x, y0: p.y, x1: p.x, y1: p.y };
      canvas.setPointerCapture(event.pointerId);
    });
    canvas.addEventListener("pointermove", (event) => {
      if (!box) return;
      const p = point(event);
      box.x1 = p.x;
      box.y1 = p.y;
      draw();
    });
    canvas.addEventListener("pointerup", () => {
      if (!box) return;
      selectBox();
      box = null;
      draw();
    });
    select.addEventListener("change", load);
    load();
  }

  // --- Admin: recompute embeddings, with the run's progress -------------------------------------------
  const embedButton = document.getElementById("embed-button");
  if (embedButton) {
    const progress = document.getElementById("embed-progress");
    const message = document.getElementById("embed-message");
    const poll = async (url) => {
      const response = await fetch(url, { credentials: "same-origin" });
      const run = await response.json();
      progress.hidden = false;
      progress.value = Math.round(run.percent);
      message.textContent = `Embedding run #${run.id}: ${run.status}${run.error ? ` (${run.error})` : ""}`;
      if (run.status === "queued" || run.status === "running") setTimeout(() => poll(url), 1000);
      else if (run.status === "succeeded") window.location.reload();
    };
    embedButton.addEventListener("click", async () => {
      const response = await fetch(urls.embedding_runs, { method: "POST", headers: headers(), credentials: "same-origin" });
      const body = await response.json();
      if (!response.ok) {
        message.textContent = body.detail || `error ${response.status}`;
        return;
      }
      poll(body.url);
    });
  }

  // --- Admin: send the anomaly queue to volunteers ------------------------------------------------------
  const form = document.getElementById("anomaly-form");
  if (form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const message = document.getElementById("anomaly-message");
      const payload = { name: form.elements.name.value, size: Number(form.elements.size.value) };
      const response = await fetch(urls.anomaly_sets, {
        method: "POST", headers: headers(), credentials: "same-origin", body: JSON.stringify(payload),
      });
      const body = await response.json();
      if (!response.ok) {
        message.textContent = body.detail || `error ${response.status}`;
        return;
      }
      message.replaceChildren(document.createTextNode(`Sent ${body.subject_ids.length} subjects: `));
      const link = document.createElement("a");
      link.href = body.classify_url;
      link.textContent = "classify them";
      message.append(link);
    });
  }
})();
