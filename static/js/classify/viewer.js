// The image viewer: one canvas per band, drawn from the raw data in the browser. Zoom and pan are
// shared by both panels as fractions of the field of view (the X-ray and optical cutouts cover the
// same sky, at different pixel scales), so the panels stay aligned whatever their resolutions.
import { contourLevels, marchingSquares, smooth } from "./contours.js";
import { bindGestures } from "./gestures.js";

export const BANDS = ["xray", "optical"];
const MAX_ZOOM = 32;
const BLINK_MS = 800;
const BACKGROUND = "#05070f";
// Missing pixels (detector gaps, masks) are transparent in the band image; this grey shows through.
const NAN_GREY = "#333333";
const CONTOUR_COLOURS = ["#4fe3ff", "#6ff0c0", "#ffe66d", "#ff9f5a"];

export class Viewer {
  constructor(root, onChange) {
    this.onChange = onChange;
    this.panelsEl = root.querySelector(".panels");
    this.panels = {};
    for (const name of BANDS) {
      const el = root.querySelector(`[data-panel="${name}"]`);
      const canvas = el.querySelector("canvas");
      this.panels[name] = { el, canvas, ctx: canvas.getContext("2d"), missing: el.querySelector(".panel-missing") };
    }
    this.bands = { xray: null, optical: null };
    this.defaults = { xray: null, optical: null };
    this.settings = { xray: null, optical: null };
    this.view = { zoom: 1, cx: 0.5, cy: 0.5 };
    this.layout = "side";
    this.shown = "xray";
    this.contoursOn = false;
    this.contourCache = null;
    this.blinkTimer = null;
    this.usage = { viewed: new Set(), blinkUsed: false, maxZoom: 1 };
    this.frame = 0;
    this.loading = true;
    const scratch = document.createElement("canvas");
    scratch.width = 1;
    scratch.height = 1;
    this.scratch = scratch.getContext("2d", { willReadFrequently: true });
    this.resizeObserver = new ResizeObserver(() => this.resize());
    for (const name of BANDS) {
      this.resizeObserver.observe(this.panels[name].canvas);
      bindGestures(this, name);
    }
    this.resize();
  }

  // ---- subject and band settings -------------------------------------------------------------

  /** Show a subject's bands ({xray, optical}, either may be null); resets zoom and display settings. */
  setSubject(bands) {
    this.loading = false;
    this.bands = { xray: bands.xray ?? null, optical: bands.optical ?? null };
    this.contourCache = null;
    for (const name of BANDS) {
      const band = this.bands[name];
      const defaults = band ? initialSettings(band) : null;
      this.defaults[name] = defaults;
      this.settings[name] = defaults ? { ...defaults } : null;
    }
    if (!this.bothBands()) {
      this.stopAutoBlink();
      this.shown = this.bands.xray ? "xray" : "optical";
    }
    this.view = { zoom: 1, cx: 0.5, cy: 0.5 };
    this.usage = { viewed: new Set(), blinkUsed: false, maxZoom: 1 };
    this.noteViewed();
    this.changed();
  }

  /** Blank the panels while the next subject loads. */
  setLoading() {
    this.loading = true;
    this.bands = { xray: null, optical: null };
    this.settings = { xray: null, optical: null };
    this.contourCache = null;
    this.changed();
  }

  bothBands() {
    return Boolean(this.bands.xray && this.bands.optical);
  }

  setBandSetting(name, key, value) {
    const band = this.bands[name];
    const settings = this.settings[name];
    if (!band || !settings) return;
    settings[key] = value;
    if (key === "interval") [settings.lo, settings.hi] = band.limits(value);
    if (name === "xray" && this.contourCache) this.contourCache.segments = null;
    this.changed();
  }

  resetBand(name) {
    if (!this.defaults[name]) return;
    this.settings[name] = { ...this.defaults[name] };
    if (name === "xray" && this.contourCache) this.contourCache.segments = null;
    this.changed();
  }

  // ---- zoom, pan, layout -----------------------------------------------------------------------

  zoomBy(factor, anchor = null) {
    const { zoom, cx, cy } = this.view;
    const next = Math.min(MAX_ZOOM, Math.max(1, zoom * factor));
    if (anchor) {
      // Keep the sky under the anchor where it is: fraction = centre + offset / (field size * zoom).
      const fx = cx + anchor.dx / (anchor.field * zoom);
      const fy = cy + anchor.dy / (anchor.field * zoom);
      this.view = { zoom: next, cx: fx - anchor.dx / (anchor.field * next), cy: fy - anchor.dy / (anchor.field * next) };
    } else {
      this.view = { ...this.view, zoom: next };
    }
    this.usage.maxZoom = Math.max(this.usage.maxZoom, next);
    this.changed();
  }

  /** Pan by a fraction of the currently visible field (keyboard arrows). */
  panBy(dxVisible, dyVisible) {
    const { zoom } = this.view;
    this.view = { ...this.view, cx: this.view.cx + dxVisible / zoom, cy: this.view.cy + dyVisible / zoom };
    this.changed();
  }

  resetView() {
    this.view = { zoom: 1, cx: 0.5, cy: 0.5 };
    this.changed();
  }

  setLayout(layout) {
    if (layout === "side") this.stopAutoBlink();
    this.layout = layout === "single" ? "single" : "side";
    this.noteViewed();
    this.changed();
  }

  /** Show the other band in the single panel (switching to it from side by side). */
  flip() {
    if (!this.bothBands()) return;
    this.layout = "single";
    this.shown = this.shown === "xray" ? "optical" : "xray";
    this.usage.blinkUsed = true;
    this.noteViewed();
    this.changed();
  }

  toggleAutoBlink() {
    if (this.blinkTimer) {
      this.stopAutoBlink();
      this.changed();
      return;
    }
    if (!this.bothBands()) return;
    this.flip();
    this.blinkTimer = window.setInterval(() => this.flip(), BLINK_MS);
    this.changed();
  }

  stopAutoBlink() {
    if (this.blinkTimer) window.clearInterval(this.blinkTimer);
    this.blinkTimer = null;
  }

  toggleContours() {
    if (!this.bothBands()) return;
    this.contoursOn = !this.contoursOn;
    this.changed();
  }

  noteViewed() {
    const visible = this.layout === "single" ? [this.shown] : BANDS;
    for (const name of visible) if (this.bands[name]) this.usage.viewed.add(name);
  }

  /** What the volunteer did with the viewer, sent with the classification. */
  state() {
    const bands = {};
    for (const name of BANDS) {
      const s = this.settings[name];
      bands[name] = s ? { stretch: s.stretch, interval: s.interval, invert: s.invert } : null;
    }
    return {
      layout: this.layout,
      bands_viewed: BANDS.filter((name) => this.usage.viewed.has(name)),
      blink_used: this.usage.blinkUsed,
      auto_blink: Boolean(this.blinkTimer),
      contours: this.contoursOn && this.bothBands(),
      zoom: round(this.view.zoom, 3),
      max_zoom: round(this.usage.maxZoom, 3),
      bands,
    };
  }

  // ---- drawing ---------------------------------------------------------------------------------

  changed() {
    this.clampView();
    this.syncPanels();
    this.scheduleRender();
    this.onChange?.(this);
  }

  // Panel visibility: single-panel mode stacks both panels in one place and hides the other band
  // (visibility keeps its canvas size, so flipping never re-lays out); a missing band says so.
  syncPanels() {
    this.panelsEl.dataset.layout = this.layout;
    this.panelsEl.dataset.zoomed = String(this.view.zoom > 1);
    for (const name of BANDS) {
      const { el, canvas, missing } = this.panels[name];
      const absent = !this.loading && !this.bands[name];
      const hidden = this.layout === "single" && name !== this.shown;
      el.classList.toggle("is-hidden", hidden);
      if (hidden) el.setAttribute("aria-hidden", "true");
      else el.removeAttribute("aria-hidden");
      el.classList.toggle("is-loading", this.loading);
      canvas.hidden = absent;
      if (missing) missing.hidden = !absent;
    }
  }

  scheduleRender() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  /** Draw any pending change now (the debug hook reads pixels synchronously). */
  flush() {
    if (this.frame) {
      cancelAnimationFrame(this.frame);
      this.frame = 0;
      this.render();
    }
  }

  resize() {
    const dpr = window.devicePixelRatio || 1;
    let changed = false;
    for (const name of BANDS) {
      const { canvas } = this.panels[name];
      const rect = canvas.getBoundingClientRect();
      // A panel that is hidden or not laid out keeps its last size.
      if (rect.width < 1 || rect.height < 1) continue;
      const width = Math.round(rect.width * dpr);
      const height = Math.round(rect.height * dpr);
      if (canvas.width !== width || canvas.height !== height) {
        canvas.width = width;
        canvas.height = height;
        changed = true;
      }
    }
    if (changed) {
      // Resizing a canvas clears it: redraw at once rather than show a blank frame.
      this.clampView();
      this.scheduleRender();
      this.flush();
    }
  }

  // Geometry of a band in its panel: device pixels per image pixel at the current zoom, and the
  // canvas position of the image's top-left corner.
  placement(name) {
    const band = this.bands[name];
    const { canvas } = this.panels[name];
    const fit = Math.min(canvas.width / band.width, canvas.height / band.height);
    const scale = fit * this.view.zoom;
    return {
      scale,
      x0: canvas.width / 2 - this.view.cx * band.width * scale,
      y0: canvas.height / 2 - this.view.cy * band.height * scale,
    };
  }

  // The field of view (as the image fits at zoom 1) in device pixels, for a panel's pointer maths.
  fieldSize(name) {
    const band = this.bands[name] ?? this.bands.xray ?? this.bands.optical;
    const { canvas } = this.panels[name];
    if (!band) return Math.min(canvas.width, canvas.height);
    return Math.min(canvas.width / band.width, canvas.height / band.height) * band.width;
  }

  clampView() {
    const ref = this.bands.xray ? "xray" : "optical";
    const band = this.bands[ref];
    const { canvas } = this.panels[ref];
    const { zoom } = this.view;
    const clamp = (centre, visiblePx, fieldPx) => {
      const half = visiblePx / (2 * fieldPx * zoom);
      return half >= 0.5 ? 0.5 : Math.min(1 - half, Math.max(half, centre));
    };
    if (!band || !canvas.width) return;
    const fit = Math.min(canvas.width / band.width, canvas.height / band.height);
    this.view.cx = clamp(this.view.cx, canvas.width, fit * band.width);
    this.view.cy = clamp(this.view.cy, canvas.height, fit * band.height);
  }

  render() {
    for (const name of BANDS) this.renderPanel(name);
  }

  renderPanel(name) {
    const { canvas, ctx } = this.panels[name];
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = BACKGROUND;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    const band = this.bands[name];
    const settings = this.settings[name];
    if (!band || !settings) return;
    const image = band.render(settings);
    const { scale, x0, y0 } = this.placement(name);
    ctx.fillStyle = NAN_GREY;
    ctx.fillRect(x0, y0, band.width * scale, band.height * scale);
    // Smooth when shrinking or mildly enlarging; show crisp pixels once they are big enough to see.
    ctx.imageSmoothingEnabled = scale < 3;
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(image, x0, y0, band.width * scale, band.height * scale);
    if (name === "optical" && this.contoursOn && this.bands.xray) this.drawContours(ctx, band, scale, x0, y0);
  }

  contours() {
    const xray = this.bands.xray;
    if (!this.contourCache) {
      // Light smoothing, scaled to the cutout so that a 128-pixel and a 356-pixel image look alike.
      const sigma = Math.max(1.2, Math.min(xray.width, xray.height) / 80);
      this.contourCache = { field: smooth(xray.values(), xray.width, xray.height, sigma), segments: null };
    }
    if (!this.contourCache.segments) {
      const { lo, hi, stretch } = this.settings.xray;
      const levels = contourLevels(this.contourCache.field, lo, hi, stretch);
      this.contourCache.segments = levels.map((level) => marchingSquares(this.contourCache.field, xray.width, xray.height, level));
    }
    return this.contourCache.segments;
  }

  drawContours(ctx, optical, scale, x0, y0) {
    const xray = this.bands.xray;
    // X-ray pixel -> fraction of the field -> optical pixel -> canvas.
    const sx = (optical.width / xray.width) * scale;
    const sy = (optical.height / xray.height) * scale;
    const dpr = window.devicePixelRatio || 1;
    ctx.save();
    ctx.lineJoin = "round";
    ctx.lineCap = "round";
    this.contours().forEach((segments, level) => {
      ctx.beginPath();
      for (let i = 0; i < segments.length; i += 4) {
        ctx.moveTo(x0 + segments[i] * sx, y0 + segments[i + 1] * sy);
        ctx.lineTo(x0 + segments[i + 2] * sx, y0 + segments[i + 3] * sy);
      }
      // A dark underlay keeps the line visible on bright and on inverted (white) backgrounds.
      ctx.strokeStyle = "rgba(0, 0, 0, 0.6)";
      ctx.lineWidth = 3 * dpr;
      ctx.stroke();
      ctx.strokeStyle = CONTOUR_COLOURS[level % CONTOUR_COLOURS.length];
      ctx.lineWidth = 1.4 * dpr;
      ctx.stroke();
    });
    ctx.restore();
  }

  /** Rendered grey level (0-255) at canvas pixel (x, y) of a band's canvas; null without that band. */
  pixelAt(name, x, y) {
    const panel = this.panels[name];
    if (!panel || !this.bands[name]) return null;
    this.flush();
    this.scratch.clearRect(0, 0, 1, 1);
    this.scratch.drawImage(panel.canvas, Math.floor(x), Math.floor(y), 1, 1, 0, 0, 1, 1);
    const [r, g, b] = this.scratch.getImageData(0, 0, 1, 1).data;
    return Math.round((r + g + b) / 3);
  }
}

function initialSettings(band) {
  const stretch = band.meta.default_stretch || "asinh";
  const interval = band.meta.default_interval || "zscale";
  // The server's zscale limits make the first view identical to the preview it rendered.
  const server = interval === "zscale" ? band.serverLimits() : null;
  const [lo, hi] = server ?? band.limits(interval);
  return { stretch, interval, invert: false, lo, hi };
}

function round(value, digits) {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
