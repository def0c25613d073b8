/**
 * mulberry32: a small, fast, deterministic generator of numbers in [0, 1) from a 32-bit seed. For reproducible
 * made-up data (sample registries, the bench's and tests' datasets, the emulator's fault spread) — never for the draw,
 * whose randomness is specified in docs/draw-spec.md.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
