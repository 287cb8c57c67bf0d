// A seeded watershed by priority flood, deterministic to the pixel: the viewer (browser) and the
// extension host run it on the same edit and must get identical labels. Browser-safe (no imports).

/**
 * Grows the pieces of `markers` (> 0 = the piece of a seed pixel) over the `inside` pixels of a
 * w x h grid whose border ring is never inside (so neighbours need no bounds checks). Pixels are
 * taken lowest `primary` first, then lowest `secondary`, then first queued (seeds in pixel order);
 * a pixel joins the piece of the neighbour that queued it, so a piece grown from a 4-connected seed
 * stays 4-connected. Returns the piece per pixel, 0 where not inside or not reachable from a seed.
 */
export function seededWatershed(inside: Uint8Array, w: number, h: number, markers: Int32Array, primary: Float32Array, secondary: Float32Array): Int32Array {
  const n = w * h;
  const piece = new Int32Array(n);
  const age = new Int32Array(n);
  const heap = new Int32Array(n);
  let size = 0;
  let queued = 0;
  const before = (a: number, b: number): boolean =>
    primary[a] !== primary[b] ? primary[a] < primary[b] : secondary[a] !== secondary[b] ? secondary[a] < secondary[b] : age[a] < age[b];
  const push = (p: number, k: number): void => {
    piece[p] = k;
    age[p] = queued++;
    let i = size++;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!before(p, heap[up])) break;
      heap[i] = heap[up];
      i = up;
    }
    heap[i] = p;
  };
  const pop = (): number => {
    const top = heap[0];
    const last = heap[--size];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= size) break;
      if (c + 1 < size && before(heap[c + 1], heap[c])) c++;
      if (!before(heap[c], last)) break;
      heap[i] = heap[c];
      i = c;
    }
    heap[i] = last;
    return top;
  };

  for (let p = 0; p < n; p++) if (inside[p] && markers[p] > 0) piece[p] = markers[p];
  // Queue only the seed pixels on a seed's edge: the others have nothing left to grow into.
  for (let p = 0; p < n; p++) {
    if (
      piece[p] > 0 &&
      ((inside[p - w] && !piece[p - w]) || (inside[p - 1] && !piece[p - 1]) || (inside[p + 1] && !piece[p + 1]) || (inside[p + w] && !piece[p + w]))
    ) {
      push(p, piece[p]);
    }
  }
  while (size > 0) {
    const p = pop();
    const k = piece[p];
    if (inside[p - w] && piece[p - w] === 0) push(p - w, k);
    if (inside[p - 1] && piece[p - 1] === 0) push(p - 1, k);
    if (inside[p + 1] && piece[p + 1] === 0) push(p + 1, k);
    if (inside[p + w] && piece[p + w] === 0) push(p + w, k);
  }
  return piece;
}
