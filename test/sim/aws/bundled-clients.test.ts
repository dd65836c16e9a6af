/**
 * The AWS wrappers as the Lambda bundles ship them (serverless.yml
 * custom.esbuild with plugins/esbuild-plugins.cjs: SDK schemas pruned to what
 * the commands reach, credentials from the environment only) still speak to
 * AWS: requests serialised, answers and error codes parsed.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { lambdaBuildOptions } from '../../../bench/bundles.js';
import { seedGroup, startWorld, type World } from './harness.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const ENTRY = `
export { describeInstance, createTags, describeImages, describeLaunchTemplateVersions } from './src/aws/ec2.js';
export { readParameter, getSecureString, getSecureStrings, createParameterIfAbsent } from './src/aws/ssm.js';
export { describeGroup, completeLifecycleAction } from './src/aws/autoscaling.js';
`;

interface Bundled {
  describeInstance(id: string): Promise<{ instanceId: string; privateIp?: string; state?: string; tags: Record<string, string> } | undefined>;
  createTags(ids: string[], tags: Record<string, string>): Promise<void>;
  describeImages(input: { imageIds?: string[] }): Promise<{ imageId: string; architecture: string }[]>;
  describeLaunchTemplateVersions(id: string, versions: string[]): Promise<{ versionNumber: number; imageId?: string }[]>;
  readParameter(name: string): Promise<string | undefined>;
  getSecureString(name: string, options?: { fresh?: boolean }): Promise<string>;
  getSecureStrings(names: string[], options?: { fresh?: boolean }): Promise<Record<string, string>>;
  createParameterIfAbsent(name: string, value: string, description: string): Promise<boolean>;
  describeGroup(name: string): Promise<{ AutoScalingGroupName?: string; Instances?: unknown[] } | undefined>;
  completeLifecycleAction(
    ref: { asgName: string; hookName: string; instanceId: string; token: string },
    result: 'CONTINUE' | 'ABANDON',
  ): Promise<'completed' | 'already-completed'>;
}

const ENV_KEYS = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_REGION',
  'AWS_ENDPOINT_URL_EC2',
  'AWS_ENDPOINT_URL_SSM',
  'AWS_ENDPOINT_URL_AUTO_SCALING',
];
const saved = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
let dir: string;
let source: string;
let world: World;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hcp-bundled-'));
  await build({ ...lambdaBuildOptions(), stdin: { contents: ENTRY, resolveDir: ROOT, loader: 'ts' }, outfile: join(dir, 'aws.mjs') });
  source = readFileSync(join(dir, 'aws.mjs'), 'utf8');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await world?.close();
});

/** A fresh copy of the bundle (its clients are created on first use, from the environment at that time). */
async function load(name: string): Promise<Bundled> {
  return (await import(`${pathToFileURL(join(dir, 'aws.mjs')).href}?${name}`)) as Bundled;
}

function pointAt(w: World, credentials: boolean): void {
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_EC2: w.urls.ec2,
    AWS_ENDPOINT_URL_SSM: w.urls.ssm,
    AWS_ENDPOINT_URL_AUTO_SCALING: w.urls.autoscaling,
  });
  if (credentials) Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'ASIABUNDLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'session' });
  else for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) delete process.env[k];
}

describe('the AWS wrappers as bundled for Lambda', () => {
  it('carry only the schemas their commands reach and no credential source but the environment', () => {
    expect(source).toContain('DescribeInstancesRequest');
    expect(source).not.toContain('AllocateAddressRequest');
    expect(source).not.toContain('VpnConnectionOptions');
    expect(source).not.toMatch(/sso-oidc|AssumeRoleWithWebIdentity|SSOOIDC/);
    // The event-stream codec the SDK would load only for an event-stream operation.
    expect(source).not.toContain('Unrecognized header type tag');
  });

  it("the SDK's lazy import of the event-stream codec fails saying it is not bundled; a static import still gets the codec", async () => {
    const entry = `
      import { eventStreamSerdeProvider } from '@smithy/core/event-streams';
      export const marshaller = () => eventStreamSerdeProvider({ utf8Encoder: (s) => s, utf8Decoder: (b) => String(b) });
      export const lazy = async () => new (await import('@smithy/core/event-streams')).EventStreamSerde({});
    `;
    await build({ ...lambdaBuildOptions(), stdin: { contents: entry, resolveDir: ROOT, loader: 'js' }, outfile: join(dir, 'event-streams.mjs') });
    const bundled = (await import(pathToFileURL(join(dir, 'event-streams.mjs')).href)) as { marshaller: () => unknown; lazy: () => Promise<unknown> };
    expect(bundled.marshaller()).toHaveProperty('serialize');
    await expect(bundled.lazy()).rejects.toThrow(/event streams are not in this bundle/);
  });

  it('describe, tag and read parameters against AWS; error codes still decide (NotFound, ParameterNotFound, ParameterAlreadyExists, ValidationError)', async () => {
    world = await startWorld();
    const { groupName, imageId, templateId } = seedGroup(world, { desired: 1, bootstrap: true });
    const instanceId = world.aws.api.group(groupName)?.members[0]?.instanceId as string;
    world.aws.api.putParameter('/hcp/token', 'sekret', 'SecureString');
    pointAt(world, true);
    const aws = await load('with-credentials');

    const facts = await world.call(() => aws.describeInstance(instanceId));
    expect(facts).toMatchObject({ instanceId, state: 'running', tags: { 'hashistack:role': 'client' } });
    expect(facts?.privateIp).toMatch(/^10\./);
    await world.call(() => aws.createTags([instanceId], { 'hashistack:nomad-node-id': 'n-1' }));
    expect((await world.call(() => aws.describeInstance(instanceId)))?.tags['hashistack:nomad-node-id']).toBe('n-1');
    expect(await world.call(() => aws.describeInstance('i-0123456789abcdef0'))).toBeUndefined();
    expect(await world.call(() => aws.describeImages({ imageIds: [imageId] }))).toEqual([expect.objectContaining({ imageId, architecture: 'x86_64' })]);
    expect(await world.call(() => aws.describeLaunchTemplateVersions(templateId, ['$Latest']))).toEqual([
      expect.objectContaining({ versionNumber: 1, imageId }),
    ]);

    expect(await world.call(() => aws.getSecureString('/hcp/token'))).toBe('sekret');
    expect(await world.call(() => aws.readParameter('/hcp/absent'))).toBeUndefined();
    expect(await world.call(() => aws.createParameterIfAbsent('/hcp/lock', 'a', 'lock'))).toBe(true);
    expect(await world.call(() => aws.createParameterIfAbsent('/hcp/lock', 'b', 'lock'))).toBe(false);
    expect((await world.call(() => aws.describeGroup(groupName)))?.AutoScalingGroupName).toBe(groupName);
    // ValidationError "No active Lifecycle Action found": counts as done.
    const ref = { asgName: groupName, hookName: 'drain', instanceId, token: '11111111-2222-4333-a444-555555555555' };
    expect(await world.call(() => aws.completeLifecycleAction(ref, 'CONTINUE'))).toBe('already-completed');
  });

  it('read several tokens with one GetParameters, cached; a fresh read re-reads only the one asked for; a missing one is NotFound', async () => {
    world = await startWorld();
    world.aws.api.putParameter('/hcp/nomad', 'n-1', 'SecureString');
    world.aws.api.putParameter('/hcp/consul', 'c-1', 'SecureString');
    pointAt(world, true);
    const aws = await load('token-batch');
    const reads = (): number => world.recorder.apiCalls()['ssm:GetParameters']?.calls ?? 0;

    const [both, again] = await world.call(() => Promise.all([aws.getSecureStrings(['/hcp/nomad', '/hcp/consul']), aws.getSecureString('/hcp/consul')]));
    expect(both).toEqual({ '/hcp/nomad': 'n-1', '/hcp/consul': 'c-1' });
    expect(again).toBe('c-1');
    expect(reads()).toBe(1);

    world.aws.api.putParameter('/hcp/consul', 'c-2', 'SecureString', true);
    expect(await world.call(() => aws.getSecureString('/hcp/consul'))).toBe('c-1');
    expect(await world.call(() => aws.getSecureString('/hcp/consul', { fresh: true }))).toBe('c-2');
    expect(await world.call(() => aws.getSecureStrings(['/hcp/nomad', '/hcp/consul']))).toEqual({ '/hcp/nomad': 'n-1', '/hcp/consul': 'c-2' });
    expect(reads()).toBe(2);

    await expect(world.call(() => aws.getSecureStrings(['/hcp/nomad', '/hcp/absent']))).rejects.toMatchObject({ name: 'NotFound' });
  });

  it('without credentials in the environment a call fails instead of looking elsewhere', async () => {
    world = await startWorld();
    pointAt(world, false);
    const aws = await load('without-credentials');
    await expect(world.call(() => aws.readParameter('/hcp/absent'))).rejects.toThrow(/credentials|AWS_ACCESS_KEY_ID/i);
  });
});
