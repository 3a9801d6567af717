// X-ray contours for the optical panel: a Gaussian-smoothed X-ray image traced with marching squares
// (the levels, in standard deviations above the background, come from smoothing.js).

/**
 * Gaussian-smoothed copy of a (top-row-first) image. Missing pixels (NaN) are left out of the
 * weighted mean rather than spreading; where almost nothing around a pixel is finite it stays NaN.
 */
export function smooth(values, width, height, sigma) {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const kernel = new Float32Array(2 * radius + 1);
  for (let i = -radius; i <= radius; i += 1) kernel[i + radius] = Math.exp((-i * i) / (2 * sigma * sigma));
  const sum = new Float32Array(values.length);
  const weight = new Float32Array(values.length);
  for (let i = 0; i < values.length; i += 1) {
    const v = values[i];
    if (Number.isFinite(v)) { sum[i] = v; weight[i] = 1; }
  }
  // One 1-D pass; the kernel is cut at the image edges (the weights image is cut the same way).
  const pass = (src, horizontal) => {
    const out = new Float32Array(src.length);
    const stride = horizontal ? 1 : width;
    const length = horizontal ? width : height;
    const lines = horizontal ? height : width;
    for (let line = 0; line < lines; line += 1) {
      const start = horizontal ? line * width : line;
      for (let i = 0; i < length; i += 1) {
        const from = Math.max(-radius, -i);
        const to = Math.min(radius, length - 1 - i);
        let acc = 0;
        let index = start + (i + from) * stride;
        for (let k = from; k <= to; k += 1, index += stride) acc += kernel[k + radius] * src[index];
        out[start + i * stride] = acc;
      }
    }
    return out;
  };
  const s = pass(pass(sum, true), false);
  const w = pass(pass(weight, true), false);
  const total = kernel.reduce((a, b) => a + b, 0) ** 2;
  const out = new Float32Array(values.length);
  for (let i = 0; i < out.length; i += 1) out[i] = w[i] > 0.2 * total ? s[i] / w[i] : NaN;
  return out;
}

/**
 * Marching squares over pixel centres. Returns flat segment coordinates [x1, y1, x2, y2, ...] in
 * image pixel units (0 = left/top edge of the image), one array per level.
 */
export function marchingSquares(field, width, height, level) {
  const segments = [];
  const at = (x, y) => field[y * width + x];
  // Where the level crosses between two corners, as a fraction from the first.
  const cross = (a, b) => (level - a) / (b - a);
  for (let y = 0; y < height - 1; y += 1) {
    for (let x = 0; x < width - 1; x += 1) {
      const tl = at(x, y);
      const tr = at(x + 1, y);
      const br = at(x + 1, y + 1);
      const bl = at(x, y + 1);
      if (!(Number.isFinite(tl) && Number.isFinite(tr) && Number.isFinite(br) && Number.isFinite(bl))) continue;
      const index = (tl > level ? 8 : 0) | (tr > level ? 4 : 0) | (br > level ? 2 : 0) | (bl > level ? 1 : 0);
      if (index === 0 || index === 15) continue;
      const cx = x + 0.5;
      const cy = y + 0.5;
      const top = [cx + cross(tl, tr), cy];
      const right = [cx + 1, cy + cross(tr, br)];
      const bottom = [cx + cross(bl, br), cy + 1];
      const left = [cx, cy + cross(tl, bl)];
      const add = (p, q) => segments.push(p[0], p[1], q[0], q[1]);
      switch (index) {
        case 1: case 14: add(left, bottom); break;
        case 2: case 13: add(bottom, right); break;
        case 3: case 12: add(left, right); break;
        case 4: case 11: add(top, right); break;
        case 6: case 9: add(top, bottom); break;
        case 7: case 8: add(left, top); break;
        case 5: case 10: {
          // Saddle: the mean of the corners decides whether the two high corners connect.
          const centreHigh = (tl + tr + br + bl) / 4 > level;
          if ((index === 5) === centreHigh) { add(left, top); add(bottom, right); } else { add(top, right); add(left, bottom); }
          break;
        }
        default: break;
      }
    }
  }
  return new Float32Array(segments);
}
