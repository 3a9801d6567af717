// One band of a subject as the browser holds it: the raw uint16 codes fetched once from the server,
// decoded on demand, and rendered to a grey image for the current display settings.
import { INTERVAL_LABELS, STRETCHES, buildLut, percentileFromHistogram, zscale } from "./stretch.js";

const LEVELS = 65534;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export class BandData {
  constructor(name, buffer, meta) {
    const width = Number(meta.width);
    const height = Number(meta.height);
    if (!(width > 0 && height > 0) || buffer.byteLength !== 2 * width * height) {
      throw new Error(`The ${name} image data is incomplete (${buffer.byteLength} bytes for ${width}×${height}).`);
    }
    this.name = name;
    this.meta = meta;
    this.width = width;
    this.height = height;
    this.nanCode = Number(meta.nan_code ?? 0);
    // An ArrayBuffer arrives from the network (little-endian); a Uint16Array is already decoded.
    if (buffer instanceof Uint16Array) this.codes = buffer;
    else this.codes = LITTLE_ENDIAN ? new Uint16Array(buffer) : swapBytes(buffer);
    this.step = (meta.vmax - meta.vmin) / LEVELS;
    this.hist = null;
    this.finiteCount = 0;
    this.lut = null;
    this.lutKey = "";
    this.image = null;
    // Arcseconds per pixel (null when the data has no WCS): the scale bar and hover coordinates.
    const scale = Number(meta.pixel_scale_arcsec);
    this.pixelScale = Number.isFinite(scale) && scale > 0 ? scale : null;
  }

  /**
   * A derived band (a smoothed copy, say) from float values, top row first, NaN where missing.
   * It is quantised onto this band's own code range, so that its look-up tables and limits work the
   * same way; a smoothed image never leaves the range of the values it averages.
   */
  derived(name, values) {
    const codes = new Uint16Array(values.length);
    const { vmin, vmax } = this.meta;
    const scale = vmax > vmin ? LEVELS / (vmax - vmin) : 0;
    for (let i = 0; i < values.length; i += 1) {
      const v = values[i];
      if (!Number.isFinite(v)) { codes[i] = this.nanCode; continue; }
      let code = Math.floor((v - vmin) * scale + 1.5);
      code = code < 1 ? 1 : code > 65535 ? 65535 : code;
      codes[i] = code;
    }
    return new BandData(name, codes, { ...this.meta, pixel_scale_arcsec: this.pixelScale, display_limits: null });
  }

  /** True when some pixels have no data (no exposure, off the detector). */
  hasMissing() {
    this.histogram();
    return this.finiteCount < this.codes.length;
  }

  decode(code) {
    return this.meta.vmin + (code - 1) * this.step;
  }

  /** Data value at image pixel (column, row), top row first; NaN for a missing pixel. */
  valueAt(col, row) {
    const code = this.codes[row * this.width + col];
    return code === this.nanCode ? NaN : this.decode(code);
  }

  /** Float32 values, top row first, NaN for missing pixels (input to the contour smoothing). */
  values() {
    const out = new Float32Array(this.codes.length);
    for (let i = 0; i < out.length; i += 1) {
      const code = this.codes[i];
      out[i] = code === this.nanCode ? NaN : this.decode(code);
    }
    return out;
  }

  histogram() {
    if (!this.hist) {
      const hist = new Uint32Array(65536);
      for (const code of this.codes) hist[code] += 1;
      this.finiteCount = this.codes.length - hist[this.nanCode];
      hist[this.nanCode] = 0;
      this.hist = hist;
    }
    return this.hist;
  }

  /** Server-computed zscale limits, when the metadata has usable ones. */
  serverLimits() {
    const limits = this.meta.display_limits;
    if (Array.isArray(limits) && limits.length === 2 && Number(limits[1]) > Number(limits[0])) {
      return [Number(limits[0]), Number(limits[1])];
    }
    return null;
  }

  /** (lo, hi) for an interval name: zscale, minmax or pNN (a central percentile range). */
  limits(interval) {
    if (!(interval in INTERVAL_LABELS)) throw new Error(`Unknown interval ${interval}`);
    const hist = this.histogram();
    const n = this.finiteCount;
    if (n === 0) return [0, 0];
    const decode = (code) => this.decode(code);
    let lo;
    let hi;
    if (interval === "zscale") {
      [lo, hi] = zscale(this.finiteInFitsOrder());
    } else if (interval === "minmax") {
      lo = percentileFromHistogram(hist, n, 0, decode);
      hi = percentileFromHistogram(hist, n, 100, decode);
    } else {
      const lower = (100 - Number(interval.slice(1))) / 2;
      lo = percentileFromHistogram(hist, n, lower, decode);
      hi = percentileFromHistogram(hist, n, 100 - lower, decode);
    }
    if (!(hi > lo)) {
      // A collapsed interval (zscale of a sparse X-ray image can give one) falls back to min/max,
      // as ml/render.py does.
      lo = percentileFromHistogram(hist, n, 0, decode);
      hi = percentileFromHistogram(hist, n, 100, decode);
    }
    return [lo, hi];
  }

  // Finite values in the order astropy flattens the server's FITS-oriented array: bottom row first.
  finiteInFitsOrder() {
    const out = new Float64Array(this.codes.length);
    let n = 0;
    for (let row = this.height - 1; row >= 0; row -= 1) {
      const start = row * this.width;
      for (let col = 0; col < this.width; col += 1) {
        const code = this.codes[start + col];
        if (code !== this.nanCode) out[n++] = this.decode(code);
      }
    }
    return out.subarray(0, n);
  }

  /** A canvas of the band at native size for the given settings; missing pixels are transparent. */
  render({ lo, hi, stretch, invert }) {
    if (!(stretch in STRETCHES)) throw new Error(`Unknown stretch ${stretch}`);
    const key = `${lo}|${hi}|${stretch}|${invert}`;
    if (this.image && key === this.lutKey) return this.image;
    this.lut = buildLut(this.meta, lo, hi, stretch, invert);
    this.lutKey = key;
    if (!this.image) {
      this.image = document.createElement("canvas");
      this.image.width = this.width;
      this.image.height = this.height;
    }
    const ctx = this.image.getContext("2d");
    const pixels = ctx.createImageData(this.width, this.height);
    const rgba = new Uint32Array(pixels.data.buffer);
    const lut = this.lut;
    const nan = this.nanCode;
    // One 32-bit write per pixel: grey in R, G and B, opaque alpha (byte order as the platform's).
    const pack = LITTLE_ENDIAN ? (g) => 0xff000000 | (g << 16) | (g << 8) | g : (g) => ((g << 24) | (g << 16) | (g << 8) | 0xff) >>> 0;
    const table = new Uint32Array(256);
    for (let g = 0; g < 256; g += 1) table[g] = pack(g);
    const codes = this.codes;
    for (let i = 0; i < codes.length; i += 1) {
      const code = codes[i];
      rgba[i] = code === nan ? 0 : table[lut[code]];
    }
    ctx.putImageData(pixels, 0, 0);
    return this.image;
  }
}

function swapBytes(buffer) {
  const view = new DataView(buffer);
  const out = new Uint16Array(buffer.byteLength / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = view.getUint16(2 * i, true);
  return out;
}

/** Fetch and decode one band; rejects with a readable message. */
export async function fetchBand(name, band, signal) {
  const response = await fetch(band.data_url, { credentials: "same-origin", signal });
  if (!response.ok) throw new Error(`Could not load the ${name} image (HTTP ${response.status}).`);
  const buffer = await response.arrayBuffer();
  return new BandData(name, buffer, { width: band.width, height: band.height, pixel_scale_arcsec: band.pixel_scale_arcsec, ...band.meta });
}

/** The display-only denoised copy of a band, when the server has one; null otherwise (or on failure). */
export async function fetchDenoised(name, band, signal) {
  if (!band?.denoised?.data_url) return null;
  try {
    const response = await fetch(band.denoised.data_url, { credentials: "same-origin", signal });
    if (!response.ok) return null;
    const buffer = await response.arrayBuffer();
    return new BandData(`${name}-denoised`, buffer, { width: band.width, height: band.height, pixel_scale_arcsec: band.pixel_scale_arcsec, ...band.denoised.meta });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    return null; // a visual aid: without it the toggle is simply hidden
  }
}
