/**
 * The console input of a cluster upgrade: one image for every pool, or an
 * image per pool, plus the pool upgrade knobs passed through to each pool.
 */
import * as z from '../../validation/zod.js';
import { InvalidUpgradeInput } from '../../errors/index.js';
import { AmiIdSchema, describeInputIssues, UpgradeKnobsShape } from '../upgrade/input.js';

/** Keys the operator may type. */
export const CLUSTER_UPGRADE_INPUT_KEYS = [
  'imageId',
  'images',
  'surge',
  'batchSize',
  'drainDeadline',
  'dryRun',
  'approval',
  'checkpoints',
  'bakeTime',
  'healthTimeout',
] as const;

/** The operator's input, as typed in the console. */
export const ClusterUpgradeInputSchema = z
  .strictObject({
    imageId: z.optional(AmiIdSchema),
    images: z.optional(z.record(z.string().check(z.trim(), z.minLength(1, 'pool names must not be empty')), AmiIdSchema)),
    ...UpgradeKnobsShape,
  })
  .check(
    z.superRefine((v, ctx) => {
      if (v.imageId !== undefined && v.images !== undefined)
        ctx.addIssue({ code: 'custom', path: ['images'], message: 'give imageId (every pool) or images (per pool), not both' });
      if (v.imageId === undefined && v.images === undefined)
        ctx.addIssue({ code: 'custom', path: ['imageId'], message: 'give imageId ("ami-...", every pool) or images ({"<pool>": "ami-..."})' });
      if (v.images !== undefined && Object.keys(v.images).length === 0)
        ctx.addIssue({ code: 'custom', path: ['images'], message: 'must name at least one pool' });
    }),
  );
export type ClusterUpgradeInput = z.infer<typeof ClusterUpgradeInputSchema>;

/** Example shown in every input error. */
export const CLUSTER_UPGRADE_INPUT_EXAMPLE =
  '{"imageId": "ami-0123456789abcdef0"} or {"images": {"servers": "ami-...", "web": "ami-..."}} (optional: surge, batchSize, drainDeadline, dryRun, approval, checkpoints, bakeTime, healthTimeout)';

/** The knobs a cluster upgrade passes to every pool upgrade. */
export type UpgradeKnobs = Pick<
  ClusterUpgradeInput,
  'surge' | 'batchSize' | 'drainDeadline' | 'dryRun' | 'approval' | 'checkpoints' | 'bakeTime' | 'healthTimeout'
>;

/**
 * Parse the console input.
 * @throws InvalidUpgradeInput listing every problem.
 */
export function parseClusterUpgradeInput(raw: unknown): ClusterUpgradeInput {
  const r = ClusterUpgradeInputSchema.safeParse(raw);
  if (r.success) return r.data;
  throw new InvalidUpgradeInput(
    `invalid cluster upgrade input: ${describeInputIssues(r.error.issues, CLUSTER_UPGRADE_INPUT_KEYS)}. Expected ${CLUSTER_UPGRADE_INPUT_EXAMPLE}`,
  );
}

/** The knobs of an input, without the keys the operator left out. */
export function knobsOf(input: ClusterUpgradeInput): UpgradeKnobs {
  const { imageId: _imageId, images: _images, ...knobs } = input;
  return Object.fromEntries(Object.entries(knobs).filter(([, v]) => v !== undefined)) as UpgradeKnobs;
}
