import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { SSMClient } from '@aws-sdk/client-ssm';
import { createAwsSim, type AwsSim } from '../../../sim/aws/index.js';
import { WorldBus, type AwsEvent, type NodeShell, type SimInstance } from '../../../sim/core/bus.js';
import { SimClock } from '../../../sim/core/clock.js';
import { Faults } from '../../../sim/core/faults.js';
import { serve, type RunningService } from '../../../sim/core/http.js';
import { Recorder } from '../../../sim/core/recorder.js';
import { Rng } from '../../../sim/core/rng.js';

export const START = Date.parse('2026-01-05T09:00:00Z');

/**
 * A node shell for tests: instances listed in `online` answer; a script's
 * `sleep N` takes N sim seconds, `exit N` sets the exit code, `echo X` writes
 * X to stdout and `>&2 echo X` to stderr.
 */
export class FakeShell implements NodeShell {
  readonly online = new Set<string>();
  constructor(private readonly clock: SimClock) {}

  isOnline(instanceId: string): boolean {
    return this.online.has(instanceId);
  }

  async run(_instanceId: string, script: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    let exitCode = 0;
    for (const line of script.split('\n')) {
      const sleep = /^sleep (\d+)$/.exec(line.trim());
      const exit = /^exit (\d+)$/.exec(line.trim());
      const errEcho = /^>&2 echo (.*)$/.exec(line.trim());
      const echo = /^echo (.*)$/.exec(line.trim());
      if (sleep) await this.clock.sleep(Number(sleep[1]) * 1000);
      else if (exit) {
        exitCode = Number(exit[1]);
        break;
      } else if (errEcho) stderr += `${errEcho[1]}\n`;
      else if (echo) stdout += `${echo[1]}\n`;
    }
    return { exitCode, stdout, stderr };
  }
}

export interface World {
  clock: SimClock;
  faults: Faults;
  recorder: Recorder;
  bus: WorldBus;
  shell: FakeShell;
  aws: AwsSim;
  events: AwsEvent[];
  urls: { autoscaling: string; ec2: string; ssm: string };
  busLog: Array<[string, string]>;
  autoscaling: AutoScalingClient;
  ec2: EC2Client;
  ssm: SSMClient;
  /** Run an SDK call with the clock held, so sim time does not jump while it is in flight. */
  call<T>(fn: () => Promise<T>): Promise<T>;
  /** The error an SDK call rejects with. */
  failure(fn: () => Promise<unknown>): Promise<{ name: string; message: string; status: number | undefined }>;
  close(): Promise<void>;
}

const CREDENTIALS = { accessKeyId: 'x', secretAccessKey: 'y' };

/** A simulated AWS on loopback with the real SDK clients pointed at it. */
export async function startWorld(seed = 7): Promise<World> {
  const clock = new SimClock({ start: START });
  const rng = new Rng(seed);
  const faults = new Faults(rng);
  const recorder = new Recorder(clock);
  const bus = new WorldBus();
  const shell = new FakeShell(clock);
  const aws = createAwsSim({ clock, rng, faults, recorder, bus, shell });
  const events: AwsEvent[] = [];
  const busLog: Array<[string, string]> = [];
  bus.on('aws.event', (e) => events.push(e));
  const log = (kind: string) => (i: SimInstance) => busLog.push([kind, i.instanceId]);
  bus.on('instance.running', log('instance.running'));
  bus.on('instance.shutting-down', log('instance.shutting-down'));
  bus.on('instance.terminated', log('instance.terminated'));
  const running: RunningService[] = [];
  for (const s of [aws.services.autoscaling, aws.services.ec2, aws.services.ssm]) running.push(await serve(s, { clock, faults, recorder }));
  const [asgUrl, ec2Url, ssmUrl] = running.map((r) => r.url);
  const common = { region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 };
  const world: World = {
    clock,
    faults,
    recorder,
    bus,
    shell,
    aws,
    events,
    urls: { autoscaling: asgUrl as string, ec2: ec2Url as string, ssm: ssmUrl as string },
    busLog,
    autoscaling: new AutoScalingClient({ ...common, endpoint: asgUrl }),
    ec2: new EC2Client({ ...common, endpoint: ec2Url }),
    ssm: new SSMClient({ ...common, endpoint: ssmUrl }),
    call: (fn) => clock.holding(fn),
    async failure(fn) {
      try {
        await world.call(fn);
      } catch (error) {
        const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
        return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
      }
      throw new Error('expected the call to fail');
    },
    async close() {
      clock.stop();
      world.autoscaling.destroy();
      world.ec2.destroy();
      world.ssm.destroy();
      await Promise.all(running.map((r) => r.close()));
    },
  };
  return world;
}

/** An image, a launch template on it and a group, through the direct API. */
export function seedGroup(
  world: World,
  options: {
    desired?: number;
    min?: number;
    max?: number;
    hooks?: Parameters<AwsSim['api']['createAutoScalingGroup']>[0]['lifecycleHooks'];
    bootstrap?: boolean;
    name?: string;
    spot?: boolean;
    capacityRebalance?: boolean;
  } = {},
): { imageId: string; templateId: string; groupName: string } {
  const image = world.aws.api.registerImage({ name: 'hashistack-client-2026-01-01', tags: { Role: 'client' } });
  const template = world.aws.api.createLaunchTemplate({ name: `lt-${options.name ?? 'clients'}`, imageId: image.imageId, instanceType: 'm6i.large' });
  const groupName = options.name ?? 'clients';
  world.aws.api.createAutoScalingGroup({
    name: groupName,
    minSize: options.min ?? 1,
    maxSize: options.max ?? 5,
    desiredCapacity: options.desired ?? 2,
    launchTemplate: { id: template.id, version: '$Latest' },
    availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
    tags: [
      { key: 'hashistack:role', value: 'client', propagateAtLaunch: true },
      { key: 'hashistack:pool', value: 'default', propagateAtLaunch: true },
      { key: 'not-propagated', value: 'x', propagateAtLaunch: false },
    ],
    ...(options.hooks ? { lifecycleHooks: options.hooks } : {}),
    ...(options.bootstrap ? { bootstrapInService: true } : {}),
    ...(options.spot ? { spot: true } : {}),
    ...(options.capacityRebalance ? { capacityRebalance: true } : {}),
  });
  return { imageId: image.imageId, templateId: template.id, groupName };
}
