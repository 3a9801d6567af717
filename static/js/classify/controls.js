// The viewer's buttons and per-band display controls, kept in step with the viewer's state.
import { BANDS } from "./viewer.js";

const ZOOM_STEP = 1.5;

export function bindControls(root, viewer) {
  const action = (name) => root.querySelector(`[data-action="${name}"]`);
  const buttons = {
    side: action("layout-side"),
    single: action("layout-single"),
    flip: action("flip"),
    autoBlink: action("auto-blink"),
    contours: action("contours"),
    zoomIn: action("zoom-in"),
    zoomOut: action("zoom-out"),
    reset: action("reset-view"),
  };
  const zoomLevel = root.querySelector("[data-zoom-level]");
  const bandControls = {};
  for (const name of BANDS) {
    const fieldset = root.querySelector(`[data-band-controls="${name}"]`);
    bandControls[name] = {
      fieldset,
      stretch: fieldset.querySelector('[data-setting="stretch"]'),
      interval: fieldset.querySelector('[data-setting="interval"]'),
      invert: fieldset.querySelector('[data-setting="invert"]'),
      reset: fieldset.querySelector('[data-action="reset-band"]'),
      smoothing: fieldset.querySelector('[data-setting="smoothing"]'),
      sigma: fieldset.querySelector('[data-setting="sigma"]'),
      sigmaValue: fieldset.querySelector("[data-sigma-value]"),
      sigmaControl: fieldset.querySelector("[data-sigma-control]"),
      denoised: fieldset.querySelector('[data-setting="denoised"]'),
      denoisedControl: fieldset.querySelector("[data-denoised-control]"),
    };
  }

  buttons.side.addEventListener("click", () => viewer.setLayout("side"));
  buttons.single.addEventListener("click", () => viewer.setLayout("single"));
  buttons.flip.addEventListener("click", () => viewer.flip());
  buttons.autoBlink.addEventListener("click", () => viewer.toggleAutoBlink());
  buttons.contours.addEventListener("click", () => viewer.toggleContours());
  buttons.zoomIn.addEventListener("click", () => viewer.zoomBy(ZOOM_STEP));
  buttons.zoomOut.addEventListener("click", () => viewer.zoomBy(1 / ZOOM_STEP));
  buttons.reset.addEventListener("click", () => viewer.resetView());
  for (const name of BANDS) {
    const c = bandControls[name];
    c.stretch.addEventListener("change", () => viewer.setBandSetting(name, "stretch", c.stretch.value));
    c.interval.addEventListener("change", () => viewer.setBandSetting(name, "interval", c.interval.value));
    c.invert.addEventListener("change", () => viewer.setBandSetting(name, "invert", c.invert.checked));
    c.reset.addEventListener("click", () => viewer.resetBand(name));
    c.smoothing?.addEventListener("change", () => viewer.setBandSetting(name, "smoothing", c.smoothing.value));
    // While the slider moves, only the label follows; the image is smoothed once it is let go.
    c.sigma?.addEventListener("input", () => { if (c.sigmaValue) c.sigmaValue.textContent = `${c.sigma.value} px`; });
    c.sigma?.addEventListener("change", () => viewer.setBandSetting(name, "sigma", Number(c.sigma.value)));
    c.denoised?.addEventListener("change", () => viewer.setBandSetting(name, "denoised", c.denoised.checked));
  }

  const press = (button, on) => button.setAttribute("aria-pressed", String(Boolean(on)));
  return function sync() {
    const both = viewer.bothBands();
    const any = Boolean(viewer.bands.xray || viewer.bands.optical);
    press(buttons.side, viewer.layout === "side");
    press(buttons.single, viewer.layout === "single");
    press(buttons.autoBlink, Boolean(viewer.blinkTimer));
    press(buttons.contours, viewer.contoursOn && both);
    // While the next subject loads, leave controls as they are so that focus is not thrown away.
    if (!viewer.loading) {
      for (const key of ["flip", "autoBlink", "contours"]) buttons[key].disabled = !both;
      for (const key of ["side", "single", "zoomIn", "zoomOut", "reset"]) buttons[key].disabled = !any;
    }
    if (zoomLevel) zoomLevel.textContent = `${viewer.view.zoom.toFixed(1)}×`;
    for (const name of BANDS) {
      const c = bandControls[name];
      const settings = viewer.settings[name];
      if (!viewer.loading) c.fieldset.disabled = !settings;
      if (!settings) continue;
      c.stretch.value = settings.stretch;
      c.interval.value = settings.interval;
      c.invert.checked = settings.invert;
      if (c.smoothing) {
        const band = viewer.bands[name];
        c.smoothing.value = settings.smoothing;
        c.smoothing.disabled = settings.denoised;
        c.sigma.value = String(settings.sigma);
        c.sigma.disabled = settings.denoised || settings.smoothing !== "gaussian";
        if (c.sigmaValue) {
          const arcsec = band?.pixelScale ? ` (${(settings.sigma * band.pixelScale).toFixed(1)}″)` : "";
          c.sigmaValue.textContent = `${settings.sigma} px${arcsec}`;
        }
        // Subjects ingested before the denoiser existed have no denoised copy: no toggle.
        c.denoisedControl.hidden = !band?.denoised;
        c.denoised.checked = settings.denoised;
      }
    }
  };
}
