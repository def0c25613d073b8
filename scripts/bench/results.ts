/** One figure of bench-results.json. */
export interface Result {
  name: string;
  value: number;
  unit: string;
}

export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
