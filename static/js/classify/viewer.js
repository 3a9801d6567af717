// The image viewer: one canvas per band, drawn from the raw data in the browser. Zoom and pan are
// shared by both panels as fractions of the field of view (the X-ray and optical cutouts cover the
// same sky, at different pixel scales), so the panels stay aligned whatever their resolutions.
import { marchingSquares } from "./contours.js";
import { formatDec, formatRa } from "./facts.js";
import { bindGestures } from "./gestures.js";
import { DEFAULT_SMOOTHING, adaptive, defaultSigma, gaussian, looksLikeCounts, significanceLevels } from "./smoothing.js";

export const BANDS = ["xray", "optical"];
const MAX_ZOOM = 32;
const BLINK_MS = 800;
const BACKGROUND = "#05070f";
// Missing pixels (no exposure: detector gaps, off the field) are transparent in the band image; this
// hatching shows through, explained by the legend under the panels.
const HATCH_BACK = "#1b1f33";
const HATCH_LINE = "#5b6690";
// Scale bar lengths to choose from (arcsec): the longest that fits in about a quarter of the panel.
const NICE_ARCSEC = [1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 300, 600, 900, 1200, 1800, 3600, 7200];
const CONTOUR_COLOURS = ["#4fe3ff", "#6ff0c0", "#ffe66d", "#ff9f5a"];

export class Viewer {
  constructor(root, onChange) {
    this.onChange = onChange;
    this.panelsEl = root.querySelector(".panels");
    this.panels = {};
    for (const name of BANDS) {
      const el = root.querySelector(`[data-panel="${name}"]`);
      const canvas = el.querySelector("canvas");
      this.panels[name] = {
        el, canvas, ctx: canvas.getContext("2d"), missing: el.querySelector(".panel-missing"),
        scaleBar: el.querySelector("[data-scale-bar]"),
      };
    }
    this.missingLegend = root.querySelector("[data-missing-legend]");
    this.readout = root.querySelector("[data-sky-readout]");
    this.readoutHint = this.readout?.textContent ?? "";
    this.centre = null; // {ra, dec} of the subject, degrees: the middle of every cutout
    this.swapped = false; // side by side with the bands' places exchanged (Flip)
    this.layoutBeforeBlink = null;
    this.variants = {};
    // The volunteer's X-ray smoothing choice carries over to the next subject, like the layout.
    this.smoothingChoice = { smoothing: DEFAULT_SMOOTHING, sigma: null, denoised: false };
    this.hatch = null;
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
      this.bindReadout(name);
    }
    this.resize();
  }

  // ---- subject and band settings -------------------------------------------------------------

  /**
   * Show a subject's bands ({xray, optical}, either may be null) and its centre ({ra, dec} in degrees,
   * optional); resets zoom and display settings (the X-ray smoothing choice is kept).
   */
  setSubject(bands, centre = null) {
    this.loading = false;
    this.bands = { xray: bands.xray ?? null, optical: bands.optical ?? null };
    this.centre = centre && Number.isFinite(centre.ra) && Number.isFinite(centre.dec) ? centre : null;
    this.contourCache = null;
    this.variants = {};
    for (const name of BANDS) {
      const band = this.bands[name];
      const defaults = band ? this.initialSettings(name, band) : null;
      this.defaults[name] = defaults;
      this.settings[name] = defaults ? { ...defaults } : null;
    }
    if (this.settings.xray) {
      const choice = this.smoothingChoice;
      Object.assign(this.settings.xray, {
        smoothing: choice.smoothing,
        sigma: choice.sigma ?? this.settings.xray.sigma,
        denoised: choice.denoised && Boolean(this.bands.xray.denoised),
      });
      this.refreshLimits("xray");
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
    this.variants = {};
    this.changed();
  }

  bothBands() {
    return Boolean(this.bands.xray && this.bands.optical);
  }

  setBandSetting(name, key, value) {
    const band = this.bands[name];
    const settings = this.settings[name];
    if (!band || !settings) return;
    if (key === "sigma") value = Math.min(8, Math.max(0.5, Number(value) || 1));
    if (key === "denoised") value = Boolean(value) && Boolean(band.denoised);
    settings[key] = value;
    if (["interval", "smoothing", "sigma", "denoised"].includes(key)) this.refreshLimits(name);
    if (name === "xray" && ["smoothing", "sigma", "denoised"].includes(key)) {
      this.smoothingChoice = { smoothing: settings.smoothing, sigma: settings.sigma, denoised: settings.denoised };
      this.contourCache = null;
    }
    this.changed();
  }

  resetBand(name) {
    if (!this.defaults[name]) return;
    this.settings[name] = { ...this.defaults[name] };
    if (name === "xray") {
      const s = this.settings.xray;
      this.smoothingChoice = { smoothing: s.smoothing, sigma: null, denoised: false };
      this.contourCache = null;
    }
    this.changed();
  }

  initialSettings(name, band) {
    const stretch = band.meta.default_stretch || "asinh";
    const interval = band.meta.default_interval || "zscale";
    const settings = { stretch, interval, invert: false, lo: 0, hi: 0 };
    if (name === "xray") Object.assign(settings, { smoothing: DEFAULT_SMOOTHING, sigma: defaultSigma(band), denoised: false });
    this.settings[name] = settings;
    this.refreshLimits(name);
    return { ...settings };
  }

  /**
   * Limits for the chosen interval, always taken from the raw image: smoothed and denoised views then
   * share its brightness scale, so toggling them changes the noise, not the contrast (limits fitted to
   * a smoothed image would stretch what noise is left across the whole grey range).
   */
  refreshLimits(name) {
    const band = this.bands[name];
    const settings = this.settings[name];
    if (!band || !settings) return;
    // The server's zscale limits make the raw first view identical to the preview it rendered.
    const server = settings.interval === "zscale" ? band.serverLimits() : null;
    [settings.lo, settings.hi] = server ?? band.limits(settings.interval);
  }

  /**
   * The band as drawn: X-ray smoothed (Gaussian of `sigma` pixels, or adaptively) or the denoised
   * preview from the server, computed once per setting and kept while the subject is shown.
   */
  displayBand(name) {
    const band = this.bands[name];
    const settings = this.settings[name];
    if (name !== "xray" || !band || !settings) return band;
    if (settings.denoised && band.denoised) return band.denoised;
    if (settings.smoothing === "none") return band;
    const key = settings.smoothing === "adaptive" ? "adaptive" : `gaussian:${settings.sigma}`;
    if (!this.variants[key]) {
      const values = band.values();
      const smoothed = settings.smoothing === "adaptive"
        ? adaptive(values, band.width, band.height)
        : gaussian(values, band.width, band.height, settings.sigma);
      this.variants[key] = band.derived(`xray-${key}`, smoothed);
    }
    return this.variants[key];
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
    this.stopAutoBlink({ restore: false });
    this.layout = layout === "single" ? "single" : "side";
    this.noteViewed();
    this.changed();
  }

  /**
   * Show the other band, keeping the chosen layout: in the single panel the other band replaces this
   * one; side by side the two exchange places (on a phone, where side by side is a swipe between the
   * panels, the other band comes into view).
   */
  flip() {
    if (!this.bothBands()) return;
    if (this.layout === "single") this.shown = this.shown === "xray" ? "optical" : "xray";
    else this.swapped = !this.swapped;
    this.usage.blinkUsed = true;
    this.noteViewed();
    this.changed();
  }

  /** Auto-blink needs one panel: it borrows the single layout and gives the chosen one back after. */
  toggleAutoBlink() {
    if (this.blinkTimer) {
      this.stopAutoBlink();
      this.changed();
      return;
    }
    if (!this.bothBands()) return;
    this.layoutBeforeBlink = this.layout;
    this.layout = "single";
    this.flip();
    this.blinkTimer = window.setInterval(() => this.flip(), BLINK_MS);
    this.changed();
  }

  stopAutoBlink({ restore = true } = {}) {
    if (this.blinkTimer) window.clearInterval(this.blinkTimer);
    this.blinkTimer = null;
    if (restore && this.layoutBeforeBlink) this.layout = this.layoutBeforeBlink;
    this.layoutBeforeBlink = null;
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
      if (s && name === "xray") Object.assign(bands[name], { smoothing: s.smoothing, sigma: s.sigma, denoised: s.denoised });
    }
    return {
      layout: this.layoutBeforeBlink ?? this.layout,
      swapped: this.swapped,
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
    this.panelsEl.dataset.swapped = String(this.swapped && this.bothBands());
    this.panelsEl.dataset.zoomed = String(this.view.zoom > 1);
    if (this.layout === "side" && this.panelsEl.scrollLeft) this.panelsEl.scrollLeft = 0; // phone swipe: show the first
    if (this.missingLegend) {
      this.missingLegend.hidden = this.loading || !BANDS.some((name) => this.bands[name]?.hasMissing());
    }
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
    for (const name of BANDS) {
      this.renderPanel(name);
      this.renderScaleBar(name);
    }
  }

  hatchPattern(ctx) {
    if (!this.hatch) {
      const dpr = window.devicePixelRatio || 1;
      const size = Math.round(8 * dpr);
      const tile = document.createElement("canvas");
      tile.width = size;
      tile.height = size;
      const t = tile.getContext("2d");
      t.fillStyle = HATCH_BACK;
      t.fillRect(0, 0, size, size);
      t.strokeStyle = HATCH_LINE;
      t.lineWidth = Math.max(1, 1.5 * dpr);
      t.beginPath();
      // Diagonal lines that continue across tile edges.
      t.moveTo(0, size); t.lineTo(size, 0);
      t.moveTo(-size / 2, size / 2); t.lineTo(size / 2, -size / 2);
      t.moveTo(size / 2, size * 1.5); t.lineTo(size * 1.5, size / 2);
      t.stroke();
      this.hatch = tile;
    }
    return ctx.createPattern(this.hatch, "repeat");
  }

  /** A bar of a round angular length (from the band's pixel scale), updated with the zoom. */
  renderScaleBar(name) {
    const bar = this.panels[name].scaleBar;
    const band = this.bands[name];
    if (!bar) return;
    const { canvas } = this.panels[name];
    if (!band?.pixelScale || !canvas.width || !canvas.clientWidth) {
      bar.hidden = true;
      return;
    }
    const cssPerDevice = canvas.clientWidth / canvas.width;
    const cssPerPixel = this.placement(name).scale * cssPerDevice;
    const arcsecPerCss = band.pixelScale / cssPerPixel;
    const target = 0.25 * canvas.clientWidth * arcsecPerCss;
    const arcsec = [...NICE_ARCSEC].reverse().find((v) => v <= target) ?? NICE_ARCSEC[0];
    const length = arcsec / arcsecPerCss;
    bar.hidden = false;
    bar.dataset.arcsec = String(arcsec);
    bar.querySelector("[data-scale-line]").style.width = `${length.toFixed(2)}px`;
    bar.querySelector("[data-scale-label]").textContent = arcsec >= 60 && arcsec % 60 === 0 ? `${arcsec / 60}′` : `${arcsec}″`;
  }

  /** Sky position under a canvas point (device pixels), from the subject's centre and pixel scale. */
  skyAt(name, x, y) {
    const band = this.bands[name];
    if (!band?.pixelScale || !this.centre) return null;
    const { scale, x0, y0 } = this.placement(name);
    const col = (x - x0) / scale;
    const row = (y - y0) / scale;
    if (col < 0 || row < 0 || col > band.width || row > band.height) return null;
    // Tangent-plane offsets from the centre, north up and east left (as the cutouts are drawn).
    const rad = Math.PI / 180;
    const xi = (-(col - band.width / 2) * band.pixelScale) / 3600 * rad;
    const eta = ((band.height / 2 - row) * band.pixelScale) / 3600 * rad;
    const dec0 = this.centre.dec * rad;
    const denom = Math.cos(dec0) - eta * Math.sin(dec0);
    const ra = (this.centre.ra + Math.atan2(xi, denom) / rad + 360) % 360;
    const dec = Math.atan2(Math.sin(dec0) + eta * Math.cos(dec0), Math.hypot(xi, denom)) / rad;
    return { ra, dec };
  }

  bindReadout(name) {
    const { canvas } = this.panels[name];
    canvas.addEventListener("pointermove", (event) => {
      if (!this.readout) return;
      const rect = canvas.getBoundingClientRect();
      const dpr = canvas.width / (rect.width || 1);
      const sky = this.skyAt(name, (event.clientX - rect.left) * dpr, (event.clientY - rect.top) * dpr);
      this.readout.textContent = sky
        ? `Under the pointer: RA ${formatRa(sky.ra)}, Dec ${formatDec(sky.dec)} (${sky.ra.toFixed(4)}°, ${sky.dec.toFixed(4)}°)`
        : this.readoutHint;
    });
    canvas.addEventListener("pointerleave", () => {
      if (this.readout) this.readout.textContent = this.readoutHint;
    });
  }

  renderPanel(name) {
    const { canvas, ctx } = this.panels[name];
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = BACKGROUND;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    const band = this.bands[name];
    const settings = this.settings[name];
    if (!band || !settings) return;
    const image = this.displayBand(name).render(settings);
    const { scale, x0, y0 } = this.placement(name);
    ctx.fillStyle = this.hatchPattern(ctx);
    ctx.fillRect(x0, y0, band.width * scale, band.height * scale);
    // Smooth when shrinking or mildly enlarging; show crisp pixels once they are big enough to see.
    ctx.imageSmoothingEnabled = scale < 3;
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(image, x0, y0, band.width * scale, band.height * scale);
    if (name === "optical" && this.contoursOn && this.bands.xray) this.drawContours(ctx, band, scale, x0, y0);
  }

  /**
   * Contours of the Gaussian-smoothed X-ray image (the chosen width, or the default one when smoothing
   * is adaptive or off) at 3, 5, 10, 20 standard deviations above the background: noise draws none.
   */
  contours() {
    const xray = this.bands.xray;
    if (!this.contourCache) {
      const s = this.settings.xray;
      const sigma = s.smoothing === "gaussian" ? s.sigma : defaultSigma(xray);
      const raw = xray.values();
      const field = gaussian(raw, xray.width, xray.height, sigma);
      const counts = looksLikeCounts(raw, xray.step);
      const levels = significanceLevels(field, sigma, { counts, raw, width: xray.width, height: xray.height });
      this.contourCache = {
        levels,
        segments: levels.map(({ level }) => marchingSquares(field, xray.width, xray.height, level)),
      };
    }
    return this.contourCache.segments;
  }

  /** The contour levels now drawn, as significances (for the legend and the browser tests). */
  contourSignificances() {
    if (!this.bands.xray || !this.settings.xray) return [];
    this.contours();
    return this.contourCache.levels.map(({ significance }) => significance);
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

function round(value, digits) {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
