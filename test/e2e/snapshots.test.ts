/**
 * The scheduled snapshot against the simulated products and S3, under the
 * function's packaged role: a production-sized Nomad state goes up as a
 * multipart upload (SSE-KMS: a data key per upload, decrypted for each
 * part), every archive verified and recorded as the latest; S3 failing the
 * parts aborts the upload and fails the run, naming the system.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildCluster } from '../../sim/scenarios/cluster.js';
import { Simulation } from '../../sim/simulation.js';

const MIB = 1024 * 1024;
const SCHEDULED = { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} };

describe('scheduled raft snapshots', () => {
  it('stream every system to S3 (Nomad 40 MiB: multipart) and verify it; S3 failing the parts aborts the upload and fails the run', async () => {
    const sim = await Simulation.start({ logLevel: 'SILENT' });
    try {
      buildCluster(sim, { servers: 3, pools: [{ name: 'general', nodes: 2 }] });
      sim.hashistack.snapshots.stateBytes.nomad = 40 * MIB;
      const release = sim.clock.hold();
      let result: { snapshots: Array<{ system: string; bucket: string; key: string; bytes: number; sha256: string; index: number }> };
      try {
        result = (await sim.lambda.invoke('snapshotSchedule', SCHEDULED)) as typeof result;
      } finally {
        release();
      }
      expect(sim.iam.denials).toEqual([]);
      expect(result.snapshots.map((s) => s.system)).toEqual(['consul', 'nomad', 'vault']);
      for (const s of result.snapshots) {
        const object = sim.s3.buckets.get(s.bucket)?.objects.get(s.key);
        expect(object?.size).toBe(s.bytes);
        expect(
          createHash('sha256')
            .update(object?.body ?? Buffer.alloc(0))
            .digest('hex'),
        ).toBe(s.sha256);
        expect(object?.sse.algorithm).toBe('aws:kms');
        expect(sim.hashistack.snapshots.served.some((x) => x.system === s.system && x.index === s.index)).toBe(true);
      }
      const nomad = result.snapshots.find((s) => s.system === 'nomad');
      expect(sim.s3.buckets.get(nomad?.bucket ?? '')?.objects.get(nomad?.key ?? '')?.parts).toBe(3);

      // S3 answers every part but the first with 500: the SDK's retries, then the upload is aborted.
      const handle = sim.s3.handle.bind(sim.s3);
      sim.s3.handle = (req) => (req.query.has('partNumber') && req.query.get('partNumber') !== '1' ? sim.s3.serverError(req) : handle(req));
      const held = sim.clock.hold();
      try {
        await expect(sim.lambda.invoke('snapshotSchedule', SCHEDULED)).rejects.toThrow(/nomad snapshot: upload to s3:\/\/.* failed/);
      } finally {
        held();
        sim.s3.handle = handle;
      }
      expect(sim.iam.denials).toEqual([]);
      expect([...sim.s3.buckets.values()].every((b) => b.uploads.size === 0)).toBe(true);
    } finally {
      await sim.stop();
    }
  }, 600_000);
});
