/** Thin wrapper over SSM: SecureString parameters (cached) and Run Command. */
import {
  DeleteParameterCommand,
  GetCommandInvocationCommand,
  GetParameterCommand,
  GetParametersCommand,
  type GetParametersCommandOutput,
  PutParameterCommand,
  SendCommandCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { NotFound } from '../errors/index.js';
import { now, sleep } from '../time/clock.js';
import { awsClientOptions, awsErrorName, mapAwsError } from './client-options.js';

let client: SSMClient | undefined;

/** The SSM client of this container, created on first use. */
export function ssmClient(): SSMClient {
  client ??= new SSMClient(awsClientOptions());
  return client;
}

const PARAMETER_TTL_MS = 5 * 60_000;
/** Values by name; a read in flight is shared, so concurrent callers make one call. */
const parameterCache = new Map<string, { value: Promise<string>; expiresAt: number }>();

/**
 * Read a SecureString parameter (decrypted), cached in memory for about 5
 * minutes; `fresh` reads it from SSM regardless (a token the cluster just
 * refused may have been rotated).
 * @throws NotFound when the parameter does not exist.
 */
export async function getSecureString(name: string, options: { fresh?: boolean } = {}): Promise<string> {
  return (await getSecureStrings([name], options))[name] as string;
}

/**
 * Read several SecureString parameters (decrypted) with one
 * `ssm:GetParameters` call for those not cached (at most 10, the API's
 * limit), each cached as {@link getSecureString} caches; `fresh` reads all
 * of them.
 * @throws NotFound when one of them does not exist.
 */
export async function getSecureStrings(names: readonly string[], options: { fresh?: boolean } = {}): Promise<Record<string, string>> {
  const at = now();
  const missing = names.filter((name) => {
    const hit = parameterCache.get(name);
    return options.fresh || !hit || hit.expiresAt <= at;
  });
  if (missing.length > 0) {
    const read = readSecureStrings(missing);
    for (const name of missing) {
      const value = read.then((values) => values[name] as string);
      parameterCache.set(name, { value, expiresAt: at + PARAMETER_TTL_MS });
      // A failed read is not cached (the next caller tries again).
      value.catch(() => {
        if (parameterCache.get(name)?.value === value) parameterCache.delete(name);
      });
    }
  }
  const entries = await Promise.all(names.map(async (name) => [name, await (parameterCache.get(name)?.value as Promise<string>)] as const));
  return Object.fromEntries(entries);
}

async function readSecureStrings(names: readonly string[]): Promise<Record<string, string>> {
  let out: GetParametersCommandOutput;
  try {
    out = await ssmClient().send(new GetParametersCommand({ Names: [...names], WithDecryption: true }));
  } catch (error) {
    throw mapAwsError('ssm', error);
  }
  const values: Record<string, string> = {};
  for (const p of out.Parameters ?? []) if (p.Name !== undefined && p.Value !== undefined) values[p.Name] = p.Value;
  const absent = names.filter((name) => values[name] === undefined);
  if (absent.length > 0) throw new NotFound('ssm', `parameter ${absent.join(', ')}`);
  return values;
}

/**
 * Create a String parameter only if it does not exist (`Overwrite: false`: SSM
 * answers `ParameterAlreadyExists` to every writer but the first).
 * @returns whether this call created it
 */
export async function createParameterIfAbsent(name: string, value: string, description: string): Promise<boolean> {
  try {
    await ssmClient().send(new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: false, Description: description }));
    return true;
  } catch (error) {
    if (awsErrorName(error) === 'ParameterAlreadyExists') return false;
    throw mapAwsError('ssm', error);
  }
}

/** Overwrite an existing String parameter. */
export async function overwriteParameter(name: string, value: string): Promise<void> {
  try {
    await ssmClient().send(new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: true }));
  } catch (error) {
    throw mapAwsError('ssm', error);
  }
}

/** A plain parameter's value, uncached (a lock must be read fresh); undefined when it does not exist. */
export async function readParameter(name: string): Promise<string | undefined> {
  try {
    const out = await ssmClient().send(new GetParameterCommand({ Name: name }));
    return out.Parameter?.Value;
  } catch (error) {
    if (awsErrorName(error) === 'ParameterNotFound') return undefined;
    throw mapAwsError('ssm', error);
  }
}

/** Delete a parameter (idempotent: a missing one is fine). */
export async function deleteParameter(name: string): Promise<void> {
  try {
    await ssmClient().send(new DeleteParameterCommand({ Name: name }));
  } catch (error) {
    if (awsErrorName(error) === 'ParameterNotFound') return;
    throw mapAwsError('ssm', error);
  }
}

/** Forget cached parameters (tests). */
export function clearParameterCache(): void {
  parameterCache.clear();
}

/** Result of a Run Command invocation on one instance. */
export type CommandResult =
  | {
      status: 'Success' | 'Failed' | 'TimedOut' | 'Cancelled' | 'Undeliverable' | 'Terminated' | 'InProgress' | 'Pending' | 'Delayed' | 'Cancelling';
      responseCode: number;
      stdout: string;
      stderr: string;
    }
  | { status: 'NodeUnreachable'; reason: string };

/**
 * Run shell lines on instances with AWS-RunShellScript.
 * @returns the command id, or a NodeUnreachable result when SSM does not know
 *   the instances (not managed, agent offline, terminated: `InvalidInstanceId`).
 */
export async function runShellScript(
  instanceIds: string[],
  lines: string[],
  timeoutSeconds: number,
  comment?: string,
): Promise<{ commandId: string } | { status: 'NodeUnreachable'; reason: string }> {
  try {
    const out = await ssmClient().send(
      new SendCommandCommand({
        DocumentName: 'AWS-RunShellScript',
        InstanceIds: instanceIds,
        Parameters: { commands: lines, executionTimeout: [String(timeoutSeconds)] },
        TimeoutSeconds: Math.max(30, timeoutSeconds),
        Comment: comment?.slice(0, 100),
      }),
    );
    const commandId = out.Command?.CommandId;
    if (!commandId) throw new NotFound('ssm', 'SendCommand returned no CommandId');
    return { commandId };
  } catch (error) {
    if (awsErrorName(error) === 'InvalidInstanceId') return { status: 'NodeUnreachable', reason: (error as Error).message };
    if (error instanceof NotFound) throw error;
    throw mapAwsError('ssm', error);
  }
}

const TERMINAL = new Set(['Success', 'Failed', 'TimedOut', 'Cancelled', 'Undeliverable', 'Terminated']);

/**
 * One GetCommandInvocation: the command's status on the instance, `Pending`
 * while SSM has not registered the invocation yet (normal right after
 * SendCommand), `NodeUnreachable` when the instance is not managed.
 */
export async function getCommandStatus(commandId: string, instanceId: string): Promise<CommandResult> {
  try {
    const out = await ssmClient().send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
    return {
      status: out.Status ?? 'Pending',
      responseCode: out.ResponseCode ?? -1,
      stdout: out.StandardOutputContent ?? '',
      stderr: out.StandardErrorContent ?? '',
    };
  } catch (error) {
    if (awsErrorName(error) === 'InvalidInstanceId') return { status: 'NodeUnreachable', reason: (error as Error).message };
    if (awsErrorName(error) === 'InvocationDoesNotExist') return { status: 'Pending', responseCode: -1, stdout: '', stderr: '' };
    throw mapAwsError('ssm', error);
  }
}

/** Whether a command status is final. */
export function isFinalCommandStatus(result: CommandResult): boolean {
  return result.status === 'NodeUnreachable' || TERMINAL.has(result.status);
}

/**
 * Poll {@link getCommandStatus} until the command ends on the instance or
 * `timeoutMs` passes (then status `InProgress`).
 */
export async function waitForCommand(commandId: string, instanceId: string, options: { timeoutMs: number; pollMs?: number }): Promise<CommandResult> {
  const deadline = now() + options.timeoutMs;
  const pollMs = options.pollMs ?? 1000;
  for (;;) {
    const result = await getCommandStatus(commandId, instanceId);
    if (isFinalCommandStatus(result)) return result;
    if (now() + pollMs > deadline) return { status: 'InProgress', responseCode: -1, stdout: '', stderr: '' };
    await sleep(pollMs);
  }
}
