/**
 * Child executions a workflow starts and polls with Wait states (pool upgrade
 * → serverReplace, cluster upgrade → poolUpgrade): started under a
 * deterministic name, so a retried start finds the same execution.
 */
import type * as sfn from '../aws/sfn.js';

/** The Step Functions calls a parent workflow needs. */
export type ChildSfn = Pick<typeof sfn, 'startExecution' | 'describeExecution'>;

/** Step Functions execution names: at most 80 characters of `[A-Za-z0-9_-]`. */
export function executionName(...parts: string[]): string {
  return parts
    .join('-')
    .replace(/[^A-Za-z0-9_-]/g, '-')
    .slice(0, 80);
}

/** The last segment of an execution ARN (its name). */
export function nameOfExecution(executionArn: string): string {
  return executionArn.split(':').pop() ?? 'x';
}

/**
 * Start a child execution (or find the one a previous attempt started).
 * @returns the child's execution ARN.
 */
export async function startChild(deps: { sfn: ChildSfn }, stateMachineArn: string, name: string, input: unknown): Promise<string> {
  const r = await deps.sfn.startExecution(stateMachineArn, name, input);
  return r.started ? r.executionArn : `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/** Where a child execution is. */
export type ChildStatus =
  | { status: 'RUNNING' }
  | { status: 'SUCCEEDED'; output: string | undefined }
  | { status: 'ENDED'; ended: string; error: string | undefined; cause: string | undefined }
  | { status: 'MISSING' };

/** Poll a child execution once. */
export async function pollChild(deps: { sfn: ChildSfn }, executionArn: string): Promise<ChildStatus> {
  const e = await deps.sfn.describeExecution(executionArn);
  if (!e) return { status: 'MISSING' };
  if (e.status === 'RUNNING' || e.status === 'PENDING_REDRIVE') return { status: 'RUNNING' };
  if (e.status === 'SUCCEEDED') return { status: 'SUCCEEDED', output: e.output };
  return { status: 'ENDED', ended: e.status ?? 'UNKNOWN', error: e.error, cause: e.cause };
}
