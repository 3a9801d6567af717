// Display maths for the classify viewer: intervals (which data values map to black and white) and
// stretches (how the range in between is shaped). The formulas are the ones ml/render.py gets from
// astropy.visualization, so the browser's first view of a subject matches the server's preview.

export const STRETCHES = {
  linear: (x) => x,
  sqrt: (x) => Math.sqrt(x),
  // LogStretch(a=1000)
  log: (x) => Math.log(1000 * x + 1) / Math.log(1001),
  // AsinhStretch(a=0.1)
  asinh: (x) => Math.asinh(x / 0.1) / Math.asinh(1 / 0.1),
};

// Inverse stretches, used to place contour levels evenly in the displayed (stretched) brightness.
export const INVERSE_STRETCHES = {
  linear: (y) => y,
  sqrt: (y) => y * y,
  log: (y) => (Math.exp(y * Math.log(1001)) - 1) / 1000,
  asinh: (y) => 0.1 * Math.sinh(y * Math.asinh(1 / 0.1)),
};

export const STRETCH_LABELS = { linear: "Linear", sqrt: "Square root", log: "Logarithmic", asinh: "Asinh" };
export const INTERVAL_LABELS = {
  zscale: "ZScale",
  minmax: "Min/max",
  "p99.5": "99.5 %",
  p99: "99 %",
  p95: "95 %",
};

// Codes are 1..65535 (0 marks a missing pixel), so one lookup table covers every possible value.
const LEVELS = 65534;

/** Unit brightness in [0, 1] of a data value for given limits and stretch (clipped like astropy). */
export function unitValue(value, lo, hi, stretch) {
  if (!(hi > lo)) return 0;
  let x = (value - lo) / (hi - lo);
  x = x < 0 ? 0 : x > 1 ? 1 : x;
  return STRETCHES[stretch](x);
}

/**
 * 0-255 grey level for every code 0..65535. Rounds like ml/render.py (unit * 255 + 0.5, truncated).
 * A collapsed interval draws everything black, as the server does.
 */
export function buildLut(meta, lo, hi, stretch, invert) {
  const lut = new Uint8Array(65536);
  const step = (meta.vmax - meta.vmin) / LEVELS;
  const fn = STRETCHES[stretch];
  const span = hi - lo;
  for (let code = 1; code < 65536; code += 1) {
    let grey = 0;
    if (span > 0) {
      let x = (meta.vmin + (code - 1) * step - lo) / span;
      x = x < 0 ? 0 : x > 1 ? 1 : x;
      grey = Math.floor(fn(x) * 255 + 0.5);
    }
    lut[code] = invert ? 255 - grey : grey;
  }
  return lut;
}

/**
 * IRAF's zscale as astropy implements it (n_samples=1000, contrast=0.25, krej=2.5, max_reject=0.5,
 * min_npixels=5, max_iterations=5). `finite` lists the finite values in FITS order (bottom row first),
 * the order astropy flattens the server's array in, so the same pixels are sampled.
 */
export function zscale(finite, { nSamples = 1000, contrast = 0.25, krej = 2.5, maxReject = 0.5, minPixels = 5, maxIterations = 5 } = {}) {
  if (finite.length === 0) return [0, 0];
  const stride = Math.max(1, Math.floor(finite.length / nSamples));
  const count = Math.min(nSamples, Math.ceil(finite.length / stride));
  const samples = new Float64Array(count);
  for (let i = 0; i < count; i += 1) samples[i] = finite[i * stride];
  samples.sort();
  const npix = samples.length;
  let vmin = samples[0];
  let vmax = samples[npix - 1];
  const minpix = Math.max(minPixels, Math.floor(npix * maxReject));
  const ngrow = Math.max(1, Math.floor(npix * 0.01));
  let bad = new Uint8Array(npix);
  let ngood = npix;
  let lastNgood = npix + 1;
  let slope = 0;
  for (let iter = 0; iter < maxIterations; iter += 1) {
    if (ngood >= lastNgood || ngood < minpix) break;
    const fit = lineFit(samples, bad);
    slope = fit.slope;
    // Residuals from the line and their standard deviation over the pixels still in the fit.
    const flat = new Float64Array(npix);
    let sum = 0;
    let n = 0;
    for (let i = 0; i < npix; i += 1) {
      flat[i] = samples[i] - (fit.intercept + fit.slope * i);
      if (!bad[i]) { sum += flat[i]; n += 1; }
    }
    const mean = sum / n;
    let sq = 0;
    for (let i = 0; i < npix; i += 1) if (!bad[i]) sq += (flat[i] - mean) ** 2;
    const threshold = krej * Math.sqrt(sq / n);
    for (let i = 0; i < npix; i += 1) if (flat[i] < -threshold || flat[i] > threshold) bad[i] = 1;
    bad = dilate(bad, ngrow);
    lastNgood = ngood;
    ngood = 0;
    for (let i = 0; i < npix; i += 1) if (!bad[i]) ngood += 1;
  }
  if (ngood >= minpix) {
    if (contrast > 0) slope /= contrast;
    const centre = Math.floor((npix - 1) / 2);
    const median = npix % 2 ? samples[(npix - 1) / 2] : (samples[npix / 2 - 1] + samples[npix / 2]) / 2;
    vmin = Math.max(vmin, median - (centre - 1) * slope);
    vmax = Math.min(vmax, median + (npix - centre) * slope);
  }
  return [vmin, vmax];
}

// Least-squares line through (i, y[i]) over the points not marked bad (numpy.polyfit with 0/1 weights).
function lineFit(y, bad) {
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < y.length; i += 1) if (!bad[i]) { n += 1; sx += i; sy += y[i]; }
  const mx = sx / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < y.length; i += 1) {
    if (bad[i]) continue;
    sxy += (i - mx) * (y[i] - my);
    sxx += (i - mx) * (i - mx);
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  return { slope, intercept: my - slope * mx };
}

// numpy.convolve(bad, ones(width), mode="same") on booleans: out[i] is set when any bad[j] is, for
// j in [i + h - width + 1, i + h] with h = (width - 1) // 2.
function dilate(bad, width) {
  const n = bad.length;
  const out = new Uint8Array(n);
  const h = Math.floor((width - 1) / 2);
  for (let j = 0; j < n; j += 1) {
    if (!bad[j]) continue;
    const from = Math.max(0, j - h);
    const to = Math.min(n - 1, j - h + width - 1);
    for (let i = from; i <= to; i += 1) out[i] = 1;
  }
  return out;
}

/**
 * The q-th percentile (0-100) with numpy's linear interpolation, from a histogram of codes (the codes
 * are a monotonic quantisation, so the order statistics of codes are those of the values).
 */
export function percentileFromHistogram(hist, total, q, decode) {
  if (total === 0) return 0;
  const position = (q / 100) * (total - 1);
  const k = Math.floor(position);
  const frac = position - k;
  const lower = codeAtRank(hist, k);
  if (frac === 0) return decode(lower);
  const upper = codeAtRank(hist, Math.min(total - 1, k + 1));
  return decode(lower) + frac * (decode(upper) - decode(lower));
}

function codeAtRank(hist, rank) {
  let seen = 0;
  for (let code = 1; code < hist.length; code += 1) {
    seen += hist[code];
    if (seen > rank) return code;
  }
  return hist.length - 1;
}
