/**
 * The console input of a pool upgrade: small enough to type, strict enough
 * that a typo fails at once with a message that says what to fix.
 */
import * as z from '../../validation/zod.js';
import { InvalidUpgradeInput } from '../../errors/index.js';
import { parseDuration } from '../../time/duration.js';

/** Keys the operator may type. */
export const UPGRADE_INPUT_KEYS = [
  'pool',
  'imageId',
  'launchTemplateVersion',
  'surge',
  'batchSize',
  'drainDeadline',
  'dryRun',
  'approval',
  'checkpoints',
  'bakeTime',
  'healthTimeout',
] as const;

const COUNT_HINT = 'must be a count ≥ 1 like 2, or a percentage of the pool above 0% and at most 100% like "25%"';

/**
 * A node count: a whole number ≥ 1 (or its digits as a string), or a
 * percentage of the pool in (0 %, 100 %] like "25%". A zero would plan
 * batches of no node, which never end.
 */
const CountOrPercent = z.pipe(
  z.union([z.number(), z.string()]),
  z.transform((v, ctx): number | `${number}%` => {
    const text = typeof v === 'number' ? String(v) : v.trim();
    const pct = /^(\d+(?:\.\d+)?)%$/.exec(text);
    if (pct) {
      const n = Number(pct[1]);
      if (n > 0 && n <= 100) return `${n}%`;
    } else if (/^\d+$/.test(text) && Number(text) >= 1) {
      return Number(text);
    }
    ctx.issues.push({ code: 'custom', message: `${COUNT_HINT} (got ${JSON.stringify(v)})`, input: v });
    return z.NEVER;
  }),
);

/**
 * Bounds of a drain deadline. Below a minute Nomad forces allocations off
 * before they can be rescheduled elsewhere; "0s" would mean no deadline at
 * all. Above 24 h the drain outlives what a terminate lifecycle action can be
 * held (48 h, AWS's cap, also the pool upgrade's execution timeout) once the
 * drain workflow's own tail and the next batches are counted.
 */
export const DRAIN_DEADLINE_BOUNDS_MS = { min: 60_000, max: 24 * 3_600_000 } as const;

const DrainDeadline = z.string().check(
  z.trim(),
  z.refine((v) => parseDuration(v) !== undefined, 'must be a Go duration like "30m" or "1h"'),
  z.refine((v) => {
    const ms = parseDuration(v);
    return ms === undefined || (ms >= DRAIN_DEADLINE_BOUNDS_MS.min && ms <= DRAIN_DEADLINE_BOUNDS_MS.max);
  }, 'must be at least "1m" and at most "24h" (a terminate lifecycle action is held 48 h at most)'),
);

/** A Go duration within bounds (ms). */
const boundedDuration = (min: number, max: number, hint: string) =>
  z.string().check(
    z.trim(),
    z.refine((v) => parseDuration(v) !== undefined, 'must be a Go duration like "10m" or "1h"'),
    z.refine((v) => {
      const ms = parseDuration(v);
      return ms === undefined || (ms >= min && ms <= max);
    }, hint),
  );

/** Bake time: "0s" (no bake) up to 24 h. */
const BakeTime = boundedDuration(0, 24 * 3_600_000, 'must be from "0s" to "24h"');
/** Health timeout: at least a minute (Nomad's healthy deadline is 5 m by default), at most 24 h. */
const HealthTimeout = boundedDuration(60_000, 24 * 3_600_000, 'must be from "1m" to "24h"');

/**
 * Checkpoints: percentages of the pool replaced after which the upgrade waits
 * for approval, e.g. [25, 50] or ["25%", "50%"]; each above 0 and below 100.
 */
const Checkpoints = z
  .array(
    z.union([
      z.number(),
      z.pipe(
        z.string().check(z.trim(), z.regex(/^\d+(\.\d+)?%?$/, 'must be a percentage like 25 or "25%"')),
        z.transform((v) => Number(v.replace('%', ''))),
      ),
    ]),
  )
  .check(
    z.maxLength(20, 'at most 20 checkpoints'),
    z.refine((ps) => ps.every((p) => p > 0 && p < 100), 'each checkpoint must be a percentage above 0 and below 100'),
  );

/** An AMI id as typed. */
export const AmiIdSchema = z.string().check(z.trim(), z.regex(/^ami-[0-9a-f]{8}([0-9a-f]{9})?$/, 'must be an AMI id like "ami-0123456789abcdef0"'));

/** The rollout knobs of a pool upgrade (a cluster upgrade passes them to every pool). */
export const UpgradeKnobsShape = {
  surge: z.optional(CountOrPercent),
  batchSize: z.optional(CountOrPercent),
  drainDeadline: z.optional(DrainDeadline),
  dryRun: z.optional(z.boolean()),
  /** Pause once after the first batch (a checkpoint); checkpoints adds more. */
  approval: z.optional(z.boolean()),
  checkpoints: z.optional(Checkpoints),
  bakeTime: z.optional(BakeTime),
  healthTimeout: z.optional(HealthTimeout),
};

/** The operator's input, as typed in the console. */
export const UpgradeInputSchema = z
  .strictObject({
    pool: z.string().check(z.trim(), z.minLength(1, 'must name a pool (hashistack:pool tag) or an Auto Scaling group')),
    imageId: z.optional(AmiIdSchema),
    launchTemplateVersion: z.optional(
      z.union([z.int().check(z.gte(1)), z.pipe(z.string().check(z.trim(), z.regex(/^\d+$/, 'must be a version number like 7')), z.transform(Number))]),
    ),
    ...UpgradeKnobsShape,
  })
  .check(
    z.superRefine((v, ctx) => {
      if (v.imageId !== undefined && v.launchTemplateVersion !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['launchTemplateVersion'], message: 'give imageId or launchTemplateVersion, not both' });
      }
      if (v.imageId === undefined && v.launchTemplateVersion === undefined) {
        ctx.addIssue({ code: 'custom', path: ['imageId'], message: 'give the new image as imageId ("ami-...") or an existing launchTemplateVersion' });
      }
    }),
  );
export type UpgradeInput = z.infer<typeof UpgradeInputSchema>;

/** Example shown in every input error. */
export const UPGRADE_INPUT_EXAMPLE =
  '{"pool": "web", "imageId": "ami-0123456789abcdef0"} (optional: surge, batchSize, drainDeadline, dryRun, approval, checkpoints, bakeTime, healthTimeout, or launchTemplateVersion instead of imageId)';

/**
 * Parse the console input.
 * @throws InvalidUpgradeInput listing every problem, with a suggestion for misspelt keys.
 */
export function parseUpgradeInput(raw: unknown): UpgradeInput {
  const r = UpgradeInputSchema.safeParse(raw);
  if (r.success) return r.data;
  throw new InvalidUpgradeInput(`invalid upgrade input: ${describeInputIssues(r.error.issues, UPGRADE_INPUT_KEYS)}. Expected ${UPGRADE_INPUT_EXAMPLE}`);
}

/** One line listing every problem of a console input, suggesting the nearest known key for a misspelt one. */
export function describeInputIssues(issues: readonly z.core.$ZodIssue[], keys: readonly string[]): string {
  return issues
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') {
        return issue.keys
          .map((k) => {
            const near = closestKey(k, keys);
            return `unknown key "${k}"${near ? ` (did you mean "${near}"?)` : ''}`;
          })
          .join('; ');
      }
      const path = issue.path.join('.') || 'input';
      return `${path}: ${issue.message}`;
    })
    .join('; ');
}

/**
 * Resolve a count-or-percentage against a pool size. A percentage (> 0 %, as
 * the schema allows) rounds up, so it is ≥ 1 on any non-empty pool; an empty
 * pool has nothing to replace and gets 1 (only its launch template moves).
 */
export function resolveCount(value: number | string, poolSize: number): number {
  if (typeof value === 'number') return value;
  const pct = Number(value.replace('%', ''));
  return poolSize === 0 ? 1 : Math.ceil((pct * poolSize) / 100);
}

export function closestKey(key: string, keys: readonly string[]): string | undefined {
  let best: { k: string; d: number } | undefined;
  for (const k of keys) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (!best || d < best.d) best = { k, d };
  }
  return best && best.d <= Math.max(2, Math.floor(key.length / 3)) ? best.k : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] as number;
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] as number;
}
