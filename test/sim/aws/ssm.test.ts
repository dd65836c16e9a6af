import {
  DeleteParameterCommand,
  GetCommandInvocationCommand,
  GetParameterCommand,
  GetParametersCommand,
  ListCommandInvocationsCommand,
  PutParameterCommand,
  SendCommandCommand,
} from '@aws-sdk/client-ssm';
import { afterEach, describe, expect, it } from 'vitest';
import { seedGroup, startWorld, type World } from './harness.js';

let world: World;
afterEach(async () => world?.close());

function onlineInstances(w: World, count: number): string[] {
  const { groupName } = seedGroup(w, { desired: count, bootstrap: true });
  const ids = w.aws.api.group(groupName)?.members.map((m) => m.instanceId) ?? [];
  for (const id of ids) w.shell.online.add(id);
  return ids;
}

describe('simulated SSM through the real SDK', () => {
  it('SecureString: plaintext only with decryption; ParameterNotFound; Overwrite', async () => {
    world = await startWorld();
    world.aws.api.putParameter('/hashistack/nomad/token', 'secret-token', 'SecureString');
    const plain = await world.call(() => world.ssm.send(new GetParameterCommand({ Name: '/hashistack/nomad/token', WithDecryption: true })));
    expect(plain.Parameter).toMatchObject({ Name: '/hashistack/nomad/token', Type: 'SecureString', Value: 'secret-token', Version: 1 });
    expect(plain.Parameter?.LastModifiedDate).toBeInstanceOf(Date);
    const cipher = await world.call(() => world.ssm.send(new GetParameterCommand({ Name: '/hashistack/nomad/token' })));
    expect(cipher.Parameter?.Value).not.toContain('secret-token');
    expect(cipher.Parameter?.Value).toMatch(/^[A-Za-z0-9+/]+=*$/);

    const missing = await world.failure(() => world.ssm.send(new GetParameterCommand({ Name: '/nope' })));
    expect(missing).toMatchObject({ name: 'ParameterNotFound', status: 400 });
    const many = await world.call(() => world.ssm.send(new GetParametersCommand({ Names: ['/hashistack/nomad/token', '/nope'], WithDecryption: true })));
    expect(many.Parameters?.map((p) => p.Value)).toEqual(['secret-token']);
    expect(many.InvalidParameters).toEqual(['/nope']);

    const exists = await world.failure(() => world.ssm.send(new PutParameterCommand({ Name: '/hashistack/nomad/token', Value: 'x', Type: 'SecureString' })));
    expect(exists.name).toBe('ParameterAlreadyExists');
    const put = await world.call(() =>
      world.ssm.send(new PutParameterCommand({ Name: '/hashistack/nomad/token', Value: 'rotated', Type: 'SecureString', Overwrite: true })),
    );
    expect(put.Version).toBe(2);
  });

  it('Overwrite false is a conditional create (ParameterAlreadyExists to the second writer); DeleteParameter, then a create starts at version 1', async () => {
    world = await startWorld();
    const name = '/hashistack/c/upgrade-lock/web';
    const [a, b] = await world.call(() =>
      Promise.allSettled([
        world.ssm.send(new PutParameterCommand({ Name: name, Value: 'exec-a', Type: 'String', Overwrite: false })),
        world.ssm.send(new PutParameterCommand({ Name: name, Value: 'exec-b', Type: 'String', Overwrite: false })),
      ]),
    );
    expect([a?.status, b?.status].sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = (a?.status === 'rejected' ? a : b) as PromiseRejectedResult;
    expect((rejected.reason as Error).name).toBe('ParameterAlreadyExists');
    const held = await world.call(() => world.ssm.send(new GetParameterCommand({ Name: name })));
    expect(held.Parameter?.Value).toBe(a?.status === 'fulfilled' ? 'exec-a' : 'exec-b');
    await world.call(() => world.ssm.send(new DeleteParameterCommand({ Name: name })));
    const gone = await world.failure(() => world.ssm.send(new DeleteParameterCommand({ Name: name })));
    expect(gone.name).toBe('ParameterNotFound');
    const again = await world.call(() => world.ssm.send(new PutParameterCommand({ Name: name, Value: 'exec-c', Type: 'String', Overwrite: false })));
    expect(again.Version).toBe(1);
  });

  it('SendCommand runs through the node shell: InProgress, then Success or Failed with output', async () => {
    world = await startWorld();
    const [ok, bad] = onlineInstances(world, 2) as [string, string];
    const before = await world.failure(() =>
      world.ssm.send(new GetCommandInvocationCommand({ CommandId: '11111111-2222-4333-a444-555555555555', InstanceId: ok })),
    );
    expect(before.name).toBe('InvocationDoesNotExist');

    const sent = await world.call(() =>
      world.ssm.send(
        new SendCommandCommand({
          DocumentName: 'AWS-RunShellScript',
          InstanceIds: [ok],
          Parameters: { commands: ['echo joined', 'sleep 5'] },
          TimeoutSeconds: 60,
          Comment: 'join',
        }),
      ),
    );
    const commandId = sent.Command?.CommandId as string;
    expect(sent.Command).toMatchObject({ DocumentName: 'AWS-RunShellScript', InstanceIds: [ok], Comment: 'join', Status: 'InProgress' });
    // SSM registers the invocation a moment after SendCommand returns.
    const unregistered = await world.failure(() => world.ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: ok })));
    expect(unregistered.name).toBe('InvocationDoesNotExist');
    await world.clock.sleep(500);
    const early = await world.call(() => world.ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: ok })));
    expect(early.Status).toBe('InProgress');
    await world.clock.until(() => world.aws.models.ssm.invocation(commandId, ok).status === 'Success', 60_000);
    const done = await world.call(() => world.ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: ok })));
    expect(done).toMatchObject({ Status: 'Success', ResponseCode: 0, StandardOutputContent: 'joined\n', StandardErrorContent: '' });

    const failing = await world.call(() =>
      world.ssm.send(
        new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [bad], Parameters: { commands: ['>&2 echo no leader', 'exit 2'] } }),
      ),
    );
    const failingId = failing.Command?.CommandId as string;
    await world.clock.until(() => world.aws.models.ssm.invocation(failingId, bad).status !== 'InProgress', 60_000);
    const failed = await world.call(() => world.ssm.send(new GetCommandInvocationCommand({ CommandId: failingId, InstanceId: bad })));
    expect(failed).toMatchObject({ Status: 'Failed', ResponseCode: 2, StandardErrorContent: 'no leader\n' });
    const listed = await world.call(() => world.ssm.send(new ListCommandInvocationsCommand({ CommandId: failingId, Details: true })));
    expect(listed.CommandInvocations?.[0]?.CommandPlugins?.[0]).toMatchObject({ Name: 'aws:runShellScript', Status: 'Failed', ResponseCode: 2 });
  });

  it('a script running past TimeoutSeconds ends TimedOut', async () => {
    world = await startWorld();
    const [id] = onlineInstances(world, 1) as [string];
    const sent = await world.call(() =>
      world.ssm.send(
        new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [id], Parameters: { commands: ['sleep 120'] }, TimeoutSeconds: 30 }),
      ),
    );
    const commandId = sent.Command?.CommandId as string;
    await world.clock.until(() => world.aws.models.ssm.invocation(commandId, id).status !== 'InProgress', 600_000);
    expect(world.aws.models.ssm.invocation(commandId, id)).toMatchObject({ status: 'TimedOut' });
  });

  it('an instance without an answering agent is InvalidInstanceId as AWS words it', async () => {
    world = await startWorld();
    const [online] = onlineInstances(world, 1) as [string];
    const offline = 'i-0fedcba9876543210';
    const result = await world.failure(() =>
      world.ssm.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [online, offline], Parameters: { commands: ['true'] } })),
    );
    expect(result).toEqual({ name: 'InvalidInstanceId', message: `Instances [[${offline}]] not in a valid state for account 000000000000`, status: 400 });
  });

  it('injected throttling surfaces as ThrottlingException', async () => {
    world = await startWorld();
    world.faults.set('ssm', { throttleRate: 1 });
    const throttled = await world.failure(() => world.ssm.send(new GetParameterCommand({ Name: '/x' })));
    expect(throttled).toMatchObject({ name: 'ThrottlingException', status: 400 });
  });
});
