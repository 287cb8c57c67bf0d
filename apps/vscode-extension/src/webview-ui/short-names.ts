// Short names for long sample ids (the DSB's are 64-character hashes): a prefix and an ellipsis,
// as long as it takes to keep every name apart. The full name stays in the row's tooltip.

/** Each name's display form: itself when at most `max` characters, else its shortest unique prefix of `min` or more, with "…". */
export function shortNames(names: readonly string[], min = 8, max = 16): Map<string, string> {
  const out = new Map<string, string>();
  const long = names.filter((n) => n.length > max);
  for (const n of names) if (n.length <= max) out.set(n, n);
  for (let len = min; long.length; len++) {
    const prefixes = new Map<string, number>();
    for (const n of long) prefixes.set(n.slice(0, len), (prefixes.get(n.slice(0, len)) ?? 0) + 1);
    for (let i = long.length - 1; i >= 0; i--) {
      const n = long[i];
      // Unique among the long names and not the whole of a short one: done at this length.
      if (len >= n.length - 1 || (prefixes.get(n.slice(0, len)) === 1 && !out.has(n.slice(0, len)))) {
        out.set(n, len >= n.length - 1 ? n : `${n.slice(0, len)}\u2026`);
        long.splice(i, 1);
      }
    }
  }
  return out;
}
