import { EventEmitter } from 'node:events';

/** An EC2 instance as every part of the simulation sees it. */
export interface SimInstance {
  instanceId: string;
  /** 1-based launch order in this simulation; fault plans refer to it. */
  ordinal: number;
  imageId: string;
  instanceType: string;
  availabilityZone: string;
  privateIp: string;
  /** e.g. ip-10-0-1-23.ec2.internal; also the Consul node name by default. */
  privateDnsName: string;
  launchTime: number;
  /** EC2 tags, including the ASG's propagated tags and aws:autoscaling:groupName. */
  tags: Record<string, string>;
  asgName?: string;
  /**
   * What the instance metadata service answers at
   * `autoscaling/target-lifecycle-state` (`InService`, `Warmed:Stopped`, ...):
   * a node's boot scripts read it to know whether to start its agents.
   */
  targetLifecycleState?: string;
}

/** An event as AWS services put it on the default EventBridge bus. */
export interface AwsEvent {
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
  resources: string[];
}

/** Everything that crosses between the simulated AWS and the simulated hashistack. */
export interface WorldEvents {
  /** EC2 reports the instance running: its OS starts to boot. */
  'instance.running': [SimInstance];
  /** The instance begins shutting down (its agents stop now). */
  'instance.shutting-down': [SimInstance];
  /** The instance is being stopped (warm pool, retirement): its agents stop, its disk stays. */
  'instance.stopping': [SimInstance];
  /** Auto Scaling changed the target lifecycle state of a running instance (a Warmed:Running instance moves into the group). */
  'instance.target-lifecycle-state': [SimInstance];
  /** The instance is gone. */
  'instance.terminated': [SimInstance];
  /** An AWS service emits an event to the default bus. */
  'aws.event': [AwsEvent];
}

/** The typed event bus of one simulation. */
export class WorldBus {
  private readonly emitter = new EventEmitter({ captureRejections: false });

  constructor() {
    this.emitter.setMaxListeners(100);
  }

  on<K extends keyof WorldEvents>(event: K, listener: (...args: WorldEvents[K]) => void): void {
    this.emitter.on(event, listener as (...args: unknown[]) => void);
  }

  emit<K extends keyof WorldEvents>(event: K, ...args: WorldEvents[K]): void {
    this.emitter.emit(event, ...args);
  }
}

/**
 * What runs a shell script on a simulated node for SSM Run Command. The
 * hashistack simulation implements it; the SSM simulation calls it.
 * Returns undefined when no SSM agent answers on that instance (never booted,
 * terminated).
 */
export interface NodeShell {
  isOnline(instanceId: string): boolean;
  run(instanceId: string, script: string): Promise<{ exitCode: number; stdout: string; stderr: string }>;
}
