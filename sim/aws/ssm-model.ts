import { createHash } from 'node:crypto';
import type { NodeShell } from '../core/bus.js';
import type { SimClock } from '../core/clock.js';
import type { Recorder } from '../core/recorder.js';
import type { Rng } from '../core/rng.js';
import { AwsApiError } from './errors.js';
import { SIM_ACCOUNT, type Ec2Instance, type CommandInvocation, type ParameterType, type SsmCommand, type SsmParameter } from './state.js';

export interface SsmDeps {
  clock: SimClock;
  rng: Rng;
  recorder: Recorder;
  shell: NodeShell;
  /** EC2's instances (managed nodes are EC2 instances whose agent registered). */
  instances: () => Ec2Instance[];
}

/** A managed node as DescribeInstanceInformation lists it. */
export interface ManagedNode {
  instanceId: string;
  pingStatus: 'Online' | 'ConnectionLost';
  lastPing: number;
  ipAddress: string;
  computerName: string;
}

/** The agent the simulated nodes run (Alpine's ssm-agent package). */
export const SSM_AGENT_VERSION = '3.3.1142.0';

export interface SendCommandInput {
  documentName: string;
  instanceIds: string[];
  commands: string[];
  timeoutSeconds?: number | undefined;
  /** Parameters.executionTimeout, seconds, when given. */
  executionTimeoutSeconds?: number | undefined;
  comment?: string | undefined;
}

/** Sim seconds between SendCommand and the script starting on the node (uniform, seeded). */
/** Sim time from SendCommand to the agent running it (AWS: typically well under 2 s). */
const DELIVERY_SECONDS = { min: 0.5, max: 2 } as const;
/**
 * SendCommand returns before the per-instance invocations are registered:
 * GetCommandInvocation right after it answers InvocationDoesNotExist for a
 * moment (the API reference tells callers to retry it).
 */
const REGISTRATION_MS = { min: 100, max: 450 } as const;
/** SSM keeps at most this much of each output stream in the invocation. */
const OUTPUT_LIMIT = 24_000;
const DEFAULT_EXECUTION_TIMEOUT_S = 3600;
const SUPPORTED_DOCUMENTS = new Set(['AWS-RunShellScript']);

/**
 * The simulated Systems Manager: Parameter Store and Run Command. Commands
 * run on each node through the injected {@link NodeShell}.
 */
export class SsmModel {
  readonly parameters = new Map<string, SsmParameter>();
  readonly commands = new Map<string, SsmCommand>();
  private readonly rng: Rng;
  /** Agents stopped on their node (a fault): the node stays up, Systems Manager loses it. */
  private readonly stoppedAgents = new Set<string>();
  /** Last time each node's agent was seen answering (its registration stays after it stops). */
  private readonly lastPing = new Map<string, number>();

  constructor(private readonly deps: SsmDeps) {
    this.rng = deps.rng.fork('ssm');
  }

  /** Whether the node's SSM agent answers now (node up, agent running). */
  agentAnswers(instanceId: string): boolean {
    const answers = this.deps.shell.isOnline(instanceId) && !this.stoppedAgents.has(instanceId);
    if (answers) this.lastPing.set(instanceId, this.deps.clock.now());
    return answers;
  }

  /** Fault: stop (or start again) the SSM agent of a node. */
  setAgentRunning(instanceId: string, running: boolean): void {
    this.agentAnswers(instanceId);
    if (running) this.stoppedAgents.delete(instanceId);
    else this.stoppedAgents.add(instanceId);
    this.deps.recorder.event('ssm', `SSM agent on ${instanceId} ${running ? 'started' : 'stopped'}`);
  }

  /**
   * Managed nodes: running EC2 instances whose agent registered (answered at
   * least once), `Online` while it answers, else `ConnectionLost` with its
   * last ping. Stopped and terminated instances are not listed.
   */
  managedNodes(): ManagedNode[] {
    const nodes: ManagedNode[] = [];
    for (const i of this.deps.instances()) {
      if (i.state !== 'running') continue;
      const online = this.agentAnswers(i.instanceId);
      const lastPing = this.lastPing.get(i.instanceId);
      if (lastPing === undefined) continue;
      nodes.push({
        instanceId: i.instanceId,
        pingStatus: online ? 'Online' : 'ConnectionLost',
        lastPing,
        ipAddress: i.privateIp,
        computerName: i.privateDnsName,
      });
    }
    return nodes;
  }

  /** PutParameter; an existing name needs `overwrite`. Returns the new version. */
  putParameter(input: {
    name: string;
    value: string;
    type?: ParameterType | undefined;
    overwrite?: boolean | undefined;
    description?: string | undefined;
  }): SsmParameter {
    const existing = this.parameters.get(input.name);
    if (existing && !input.overwrite) {
      throw new AwsApiError(
        'ParameterAlreadyExists',
        'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
      );
    }
    const type = input.type ?? existing?.type;
    if (type === undefined) throw new AwsApiError('ValidationException', 'A parameter type is required when you create a parameter.');
    const parameter: SsmParameter = { name: input.name, type, value: input.value, version: (existing?.version ?? 0) + 1, lastModified: this.deps.clock.now() };
    const description = input.description ?? existing?.description;
    if (description !== undefined) parameter.description = description;
    this.parameters.set(input.name, parameter);
    return parameter;
  }

  /** DeleteParameter: gone at once (a later PutParameter starts again at version 1), or `ParameterNotFound`. */
  deleteParameter(name: string): void {
    if (!this.parameters.delete(name)) throw new AwsApiError('ParameterNotFound', `Parameter ${name} not found.`);
  }

  /** A parameter by name, or `ParameterNotFound`. */
  getParameter(name: string): SsmParameter {
    const p = this.parameters.get(name);
    if (!p) throw new AwsApiError('ParameterNotFound', `Parameter ${name} not found.`);
    return p;
  }

  /**
   * The value a reader sees: a SecureString read without decryption is the
   * ciphertext (here a stable base64 blob derived from the value), never the
   * plaintext.
   */
  visibleValue(parameter: SsmParameter, withDecryption: boolean): string {
    if (parameter.type !== 'SecureString') return parameter.value;
    if (withDecryption) {
      // SSM decrypts each SecureString with one KMS Decrypt request of its own (billed to the account).
      this.deps.recorder.apiCall('kms', 'Decrypt', 200, undefined);
      return parameter.value;
    }
    const digest = createHash('sha256').update(`${parameter.name}\u0000${parameter.version}\u0000${parameter.value}`).digest();
    return Buffer.concat([Buffer.from([1, 2, 3, 0, 120]), digest, digest]).toString('base64');
  }

  /**
   * SendCommand. Every target must have an answering SSM agent now, or the
   * whole request fails with `InvalidInstanceId` as AWS words it. Each
   * invocation is InProgress until the script starts (1–3 sim seconds) and
   * ends Success, Failed or TimedOut.
   */
  sendCommand(input: SendCommandInput): SsmCommand {
    if (!SUPPORTED_DOCUMENTS.has(input.documentName)) throw new AwsApiError('InvalidDocument', `Document with name ${input.documentName} does not exist.`);
    if (input.instanceIds.length === 0) throw new AwsApiError('ValidationException', 'Either InstanceIds or Targets must be specified.');
    if (input.commands.length === 0) throw new AwsApiError('InvalidParameters', 'Parameter "commands" is required.');
    const offline = input.instanceIds.filter((id) => !this.agentAnswers(id));
    if (offline.length > 0) {
      throw new AwsApiError('InvalidInstanceId', `Instances [[${offline.join(', ')}]] not in a valid state for account ${SIM_ACCOUNT}`);
    }
    const now = this.deps.clock.now();
    const timeoutSeconds = input.timeoutSeconds ?? DEFAULT_EXECUTION_TIMEOUT_S;
    const command: SsmCommand = {
      commandId: this.rng.uuid(),
      documentName: input.documentName,
      instanceIds: [...input.instanceIds],
      commands: [...input.commands],
      timeoutSeconds,
      executionTimeoutSeconds: input.executionTimeoutSeconds ?? input.timeoutSeconds ?? DEFAULT_EXECUTION_TIMEOUT_S,
      requestedAt: now,
      invocations: new Map(),
    };
    if (input.comment !== undefined) command.comment = input.comment;
    this.commands.set(command.commandId, command);
    this.deps.recorder.event('ssm', `command ${command.commandId} sent to ${command.instanceIds.join(', ')}${command.comment ? ` (${command.comment})` : ''}`);
    for (const instanceId of command.instanceIds) {
      const visibleAt = now + this.rng.int(REGISTRATION_MS.min, REGISTRATION_MS.max);
      const invocation: CommandInvocation = {
        commandId: command.commandId,
        instanceId,
        status: 'InProgress',
        statusDetails: 'InProgress',
        responseCode: -1,
        requestedAt: now,
        visibleAt,
        stdout: '',
        stderr: '',
      };
      command.invocations.set(instanceId, invocation);
      const delay = this.rng.int(DELIVERY_SECONDS.min * 1000, DELIVERY_SECONDS.max * 1000);
      this.deps.clock.schedule(delay, () => void this.run(command, invocation), `ssm:${command.commandId}`);
    }
    return command;
  }

  /** An invocation, or `InvocationDoesNotExist`. */
  invocation(commandId: string, instanceId: string): CommandInvocation {
    const inv = this.commands.get(commandId)?.invocations.get(instanceId);
    if (!inv) throw new AwsApiError('InvocationDoesNotExist', '');
    return inv;
  }

  /** An invocation as GetCommandInvocation sees it: `InvocationDoesNotExist` until SSM registered it. */
  visibleInvocation(commandId: string, instanceId: string): CommandInvocation {
    const inv = this.invocation(commandId, instanceId);
    if (!this.registered(inv)) throw new AwsApiError('InvocationDoesNotExist', '');
    return inv;
  }

  /** Whether SSM has registered the invocation yet (see {@link REGISTRATION_MS}). */
  registered(inv: CommandInvocation): boolean {
    return this.deps.clock.now() >= inv.visibleAt;
  }

  /** Overall status of a command, derived from its invocations as SSM does. */
  commandStatus(command: SsmCommand): { status: string; completed: number; errors: number } {
    const invocations = [...command.invocations.values()];
    const done = invocations.filter((i) => i.status !== 'Pending' && i.status !== 'InProgress');
    const errors = invocations.filter((i) => i.status === 'Failed' || i.status === 'TimedOut').length;
    let status = 'InProgress';
    if (done.length === invocations.length) {
      status = invocations.some((i) => i.status === 'TimedOut') ? 'TimedOut' : errors > 0 ? 'Failed' : 'Success';
    }
    return { status, completed: done.length, errors };
  }

  private async run(command: SsmCommand, invocation: CommandInvocation): Promise<void> {
    invocation.startedAt = this.deps.clock.now();
    const script = command.commands.join('\n');
    let timedOut = false;
    const timer = this.deps.clock.schedule(
      command.executionTimeoutSeconds * 1000,
      () => {
        timedOut = true;
        this.end(invocation, 'TimedOut', 'ExecutionTimedOut', -1, invocation.stdout, invocation.stderr);
      },
      `ssm:timeout:${command.commandId}`,
    );
    try {
      const result = await this.deps.shell.run(invocation.instanceId, script);
      if (timedOut) return;
      timer.cancel();
      if (result.exitCode === 0) this.end(invocation, 'Success', 'Success', 0, result.stdout, result.stderr);
      else this.end(invocation, 'Failed', 'Failed', result.exitCode, result.stdout, result.stderr);
    } catch (error) {
      if (timedOut) return;
      timer.cancel();
      this.end(invocation, 'Failed', 'Undeliverable', -1, '', error instanceof Error ? error.message : String(error));
    }
  }

  private end(invocation: CommandInvocation, status: CommandInvocation['status'], details: string, code: number, stdout: string, stderr: string): void {
    invocation.status = status;
    invocation.statusDetails = details;
    invocation.responseCode = code;
    invocation.stdout = stdout.slice(0, OUTPUT_LIMIT);
    invocation.stderr = stderr.slice(0, OUTPUT_LIMIT);
    invocation.endedAt = this.deps.clock.now();
    this.deps.recorder.event('ssm', `command ${invocation.commandId} on ${invocation.instanceId}: ${status} (exit ${code})`);
  }
}
