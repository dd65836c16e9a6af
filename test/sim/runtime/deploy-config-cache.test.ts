import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDeployConfig } from '../../../sim/runtime/deploy-config.js';

const ROOT = resolve(import.meta.dirname, '../../..');
// A copy of the project's deploy inputs: the test edits them, the project's own stay untouched.
const copy = mkdtempSync(join(tmpdir(), 'deploy-config-cache-'));
for (const entry of ['serverless.yml', 'config', 'plugins', 'statemachines', 'src', 'package.json'])
  cpSync(join(ROOT, entry), join(copy, entry), { recursive: true });
symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe('loadDeployConfig cache', () => {
  it('answers a changed stage file, state machine definition or stage check at once, and a broken one with its error every time', () => {
    const yml = join(copy, 'serverless.yml');
    expect(loadDeployConfig(yml, 'example').stageConfig.clusterName).toBe('hashistack');

    const stageFile = join(copy, 'config', 'example.yml');
    writeFileSync(stageFile, readFileSync(stageFile, 'utf8').replace(/^clusterName: hashistack$/m, 'clusterName: renamed'));
    expect(loadDeployConfig(yml, 'example').stageConfig.clusterName).toBe('renamed');

    const drain = join(copy, 'statemachines', 'drain.asl.json');
    const definition = JSON.parse(readFileSync(drain, 'utf8')) as { Comment?: string };
    writeFileSync(drain, JSON.stringify({ ...definition, Comment: 'edited' }));
    const machine = loadDeployConfig(yml, 'example').stateMachines.find((m) => (m.definition as { Comment?: string }).Comment === 'edited');
    expect(machine).toBeDefined();

    writeFileSync(stageFile, readFileSync(stageFile, 'utf8').replace(/^clusterName: renamed$/m, 'clusterName: [1, 2]'));
    expect(() => loadDeployConfig(yml, 'example')).toThrow(/clusterName/);
    expect(() => loadDeployConfig(yml, 'example')).toThrow(/clusterName/);
  });
});
