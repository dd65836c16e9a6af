/**
 * Go-style durations ("15m", "1h30m", "90s", "1.5h", "250ms"), as Nomad,
 * Consul and Terraform users write them.
 */
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const WHOLE = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;

/**
 * Parse a Go duration into milliseconds.
 * @returns the duration in ms, or `undefined` when `text` is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (s === '0') return 0;
  if (!WHOLE.test(s)) return undefined;
  let total = 0;
  for (const m of s.matchAll(PART)) {
    const value = Number(m[1]);
    const unit = UNIT_MS[m[2] ?? ''];
    if (unit === undefined || !Number.isFinite(value)) return undefined;
    total += value * unit;
  }
  return Math.round(total);
}

/** Format milliseconds as a Go duration in whole seconds ("300s"), for `?wait=`. */
export function toGoSeconds(ms: number): string {
  return `${Math.max(1, Math.floor(ms / 1000))}s`;
}
