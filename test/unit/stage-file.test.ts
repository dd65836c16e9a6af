import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { checkStageConfig, configBindings, loadStageConfig } from '../../src/config/stage-file.js';

const ROOT = resolve(import.meta.dirname, '../..');
const serverlessYml = readFileSync(join(ROOT, 'serverless.yml'), 'utf8');
const example = parseYaml(readFileSync(join(ROOT, 'config/example.yml'), 'utf8')) as Record<string, unknown>;
const check = (edit: Record<string, unknown>) => checkStageConfig({ ...example, ...edit }, serverlessYml, example);

describe('stage file check (config/<stage>.yml)', () => {
  it('reads the environment bindings from serverless.yml, lists joined with commas', () => {
    const bindings = configBindings(serverlessYml);
    expect(bindings).toContainEqual({ variable: 'DRAIN_DEADLINE', key: 'drainDeadline' });
    expect(bindings).toContainEqual({ variable: 'AMI_OWNERS', key: 'amiFilter.owners', join: ',' });
    // Per-function variables count too.
    expect(bindings).toContainEqual({ variable: 'EXECUTION_OVERDUE_AFTER', key: 'executionOverdueAfter' });
  });

  it('accepts config/example.yml', () => {
    expect(checkStageConfig(example, serverlessYml, example)).toEqual([]);
  });

  it('names the key, the value and the fix, not the environment variable', () => {
    const table: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ drainDeadline: '1 hour' }, 'drainDeadline', /not a duration/],
      [{ nomadAddr: 'http://nomad.service.consul:4646' }, 'nomadAddr', /plain http is refused/],
      [{ giveUpAfter: '0s' }, 'giveUpAfter', /must be positive/],
      [{ joinMode: 'manual' }, 'joinMode', /auto|ssm/],
      [{ purgeNomadNode: 'maybe' }, 'purgeNomadNode', /true|false/],
      [{ vaultTokenParameter: 'vault-token' }, 'vaultTokenParameter', /full SSM parameter name/],
      [{ tokenParameterKmsKey: 'alias/mine' }, 'tokenParameterKmsKey', /alias\/aws\/ssm or a KMS key ARN/],
      [{ amiAllowedIds: ['ubuntu'] }, 'amiAllowedIds', /AMI ids/],
      [{ amiAllowedIds: 'ami-0123456789abcdef0' }, 'amiAllowedIds', /must be a list/],
      [{ maintenanceWindow: 'Sunday 2-6' }, 'maintenanceWindow', /maintenance window/],
      [{ region: 'US East' }, 'region', /AWS region/],
      [{ reconcileSchedule: 'every 2 minutes' }, 'reconcileSchedule', /EventBridge schedule/],
      [{ vpc: { subnetIds: [], securityGroupIds: ['sg-0a1b2c3d4e5f60730'] } }, 'vpc.subnetIds', /at least one subnet/],
    ];
    for (const [edit, key, problem] of table) {
      const problems = check(edit);
      expect(problems, key).toHaveLength(1);
      expect(problems[0]?.key).toBe(key);
      expect(problems[0]?.problem).toMatch(problem);
      expect(problems[0]?.value).toEqual(key === 'vpc.subnetIds' ? [] : edit[key]);
      expect(`${problems[0]?.problem} ${problems[0]?.fix}`).not.toMatch(/\b[A-Z]{3,}_[A-Z_]+\b/);
    }
    expect(check({ drainDeadline: '1 hour' })[0]?.fix).toBe('e.g. drainDeadline: "1h" (as in config/example.yml)');
  });

  it('names a missing key and suggests the key meant by a typo', () => {
    const { joinTimeout: _, ...withoutJoinTimeout } = example;
    const problems = checkStageConfig({ ...withoutJoinTimeout, joinTimout: '15m' }, serverlessYml, example);
    expect(problems).toEqual([
      { key: 'joinTimout', value: '15m', problem: 'is not a setting of the control plane', fix: 'did you mean joinTimeout?' },
      { key: 'joinTimeout', value: undefined, problem: 'is missing', fix: 'e.g. joinTimeout: "15m" (as in config/example.yml)' },
    ]);
  });

  it('checks the keys a plugin reads: alertSubscriptions protocols and endpoints', () => {
    const problems = check({
      alertSubscriptions: [
        { protocol: 'pager', endpoint: 'x' },
        { protocol: 'email', endpoint: ' ' },
      ],
    });
    expect(problems.map((p) => p.key)).toEqual(['alertSubscriptions.protocol', 'alertSubscriptions.endpoint']);
  });

  it('names a missing stage file and how to create it', () => {
    expect(() => loadStageConfig(ROOT, 'no-such-stage')).toThrowError(
      'config/no-such-stage.yml not found: stage "no-such-stage" has no configuration. Fix: cp config/example.yml config/no-such-stage.yml and edit it',
    );
  });
});

describe('serverless refuses a bad stage file where it is read', () => {
  // A copy of the service (its own config/, everything else linked), so the repository's config/ stays as it is.
  const dir = mkdtempSync(join(tmpdir(), 'stage-file-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  for (const entry of ['serverless.yml', 'package.json']) copyFileSync(join(ROOT, entry), join(dir, entry));
  for (const entry of ['node_modules', 'src', 'functions', 'statemachines', 'layers']) symlinkSync(join(ROOT, entry), join(dir, entry));
  mkdirSync(join(dir, 'plugins'));
  for (const p of readdirSync(join(ROOT, 'plugins'))) copyFileSync(join(ROOT, 'plugins', p), join(dir, 'plugins', p));
  mkdirSync(join(dir, 'config'));
  copyFileSync(join(ROOT, 'config/example.yml'), join(dir, 'config/example.yml'));
  writeFileSync(join(dir, 'config/bad.yml'), stringify({ ...example, drainDeadline: '1 hour', consulAddr: 'http://10.0.0.5:8500' }));

  const run = (stage: string) =>
    promisify(execFile)(join(ROOT, 'node_modules/.bin/serverless'), ['print', '--stage', stage], {
      cwd: dir,
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' },
    }).then(
      () => '',
      (e: { stdout: string; stderr: string }) => `${e.stdout}${e.stderr}`,
    );
  // The three runs (a few seconds of start-up each) side by side, started by the first test that reads one.
  const runs = new Map<string, Promise<string>>();
  const print = (stage: string): Promise<string> => {
    if (runs.size === 0) for (const s of ['bad', 'prod', 'example']) runs.set(s, run(s));
    return runs.get(stage) ?? run(stage);
  };

  it('fails `serverless print` (as package and deploy) naming the key, value and fix', async () => {
    const out = await print('bad');
    expect(out).toContain('config/bad.yml has 2 problems:');
    expect(out).toContain('drainDeadline: "1 hour" — not a duration like "15m" or "1h30m": "1 hour". Fix: e.g. drainDeadline: "1h"');
    expect(out).toContain('consulAddr: "http://10.0.0.5:8500" — plain http is refused for the non-loopback host 10.0.0.5');
    expect(out).not.toContain('DRAIN_DEADLINE');
  }, 60_000);

  it('names the missing file', async () => {
    expect(await print('prod')).toContain('config/prod.yml not found: stage "prod" has no configuration. Fix: cp config/example.yml config/prod.yml');
  }, 60_000);

  it('resolves a good stage file', async () => {
    expect(await print('example')).toBe('');
  }, 60_000);
});
