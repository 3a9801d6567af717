// Pointer input on a band's canvas: drag to pan, wheel or two-finger pinch to zoom, double-click to
// zoom in. Works for mouse, pen and touch alike through pointer events; the view it changes is the
// one both panels share.

export function bindGestures(viewer, name) {
  const { canvas } = viewer.panels[name];
  const pointers = new Map();
  const local = (event) => {
    const rect = canvas.getBoundingClientRect();
    const dpr = canvas.width / (rect.width || 1);
    return { x: (event.clientX - rect.left) * dpr, y: (event.clientY - rect.top) * dpr };
  };
  const anchorAt = (point) => ({ dx: point.x - canvas.width / 2, dy: point.y - canvas.height / 2, field: viewer.fieldSize(name) });
  // Move the view so the sky under the pointer follows it (device pixels -> fraction of the field).
  const follow = (dx, dy) => {
    const step = viewer.fieldSize(name) * viewer.view.zoom;
    viewer.view.cx -= dx / step;
    viewer.view.cy -= dy / step;
  };

  canvas.addEventListener("wheel", (event) => {
    if (!viewer.bands[name]) return;
    event.preventDefault();
    const unit = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? 400 : 1;
    viewer.zoomBy(Math.exp((-event.deltaY * unit) / 500), anchorAt(local(event)));
  }, { passive: false });

  canvas.addEventListener("dblclick", (event) => {
    if (viewer.bands[name]) viewer.zoomBy(2, anchorAt(local(event)));
  });

  canvas.addEventListener("pointerdown", (event) => {
    if (!viewer.bands[name] || (event.pointerType === "mouse" && event.button !== 0)) return;
    canvas.setPointerCapture(event.pointerId);
    pointers.set(event.pointerId, local(event));
    canvas.classList.add("is-dragging");
  });

  canvas.addEventListener("pointermove", (event) => {
    const previous = pointers.get(event.pointerId);
    if (!previous) return;
    const point = local(event);
    pointers.set(event.pointerId, point);
    if (pointers.size === 1) {
      follow(point.x - previous.x, point.y - previous.y);
      viewer.changed();
      return;
    }
    // Pinch: follow the midpoint of the two fingers and scale by the change in their distance.
    const other = [...pointers].find(([id]) => id !== event.pointerId)[1];
    const before = Math.hypot(previous.x - other.x, previous.y - other.y);
    const after = Math.hypot(point.x - other.x, point.y - other.y);
    const mid = { x: (point.x + other.x) / 2, y: (point.y + other.y) / 2 };
    follow((point.x - previous.x) / 2, (point.y - previous.y) / 2);
    if (before > 0) viewer.zoomBy(after / before, anchorAt(mid));
    else viewer.changed();
  });

  const release = (event) => {
    pointers.delete(event.pointerId);
    if (pointers.size === 0) canvas.classList.remove("is-dragging");
  };
  canvas.addEventListener("pointerup", release);
  canvas.addEventListener("pointercancel", release);
  canvas.addEventListener("lostpointercapture", release);
}
