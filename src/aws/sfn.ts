/** Thin wrapper over Step Functions: idempotent execution start, stop, list, describe. */
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  type ExecutionListItem,
  type ExecutionStatus,
} from '@aws-sdk/client-sfn';
import { awsClientOptions, awsErrorName, mapAwsError } from './client-options.js';

export type { ExecutionListItem, ExecutionStatus };

let client: SFNClient | undefined;

/** The Step Functions client of this container, created on first use. */
export function sfnClient(): SFNClient {
  client ??= new SFNClient(awsClientOptions());
  return client;
}

export type StartResult = { started: true; executionArn: string } | { started: false; reason: 'duplicate' };

/**
 * Start an execution under a deterministic name. A name already used answers
 * `{started:false, reason:'duplicate'}`; Step Functions' own idempotent success
 * (same name, same input, still running) answers `started:true` with the
 * existing execution's ARN — either way exactly one execution exists.
 */
export async function startExecution(stateMachineArn: string, name: string, input: unknown): Promise<StartResult> {
  try {
    const out = await sfnClient().send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
    return { started: true, executionArn: out.executionArn ?? '' };
  } catch (error) {
    if (awsErrorName(error) === 'ExecutionAlreadyExists') return { started: false, reason: 'duplicate' };
    throw mapAwsError('sfn', error);
  }
}

/** The ARN an execution of this state machine gets under this name. */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/** Stop an execution (errors other than "does not exist" propagate). */
export async function stopExecution(executionArn: string, error?: string, cause?: string): Promise<void> {
  try {
    await sfnClient().send(new StopExecutionCommand({ executionArn, error, cause }));
  } catch (e) {
    if (awsErrorName(e) === 'ExecutionDoesNotExist') return;
    throw mapAwsError('sfn', e);
  }
}

/** List executions of a state machine (optionally by status), following pagination up to `limit`. */
export async function listExecutions(stateMachineArn: string, statusFilter?: ExecutionStatus, limit = 1000): Promise<ExecutionListItem[]> {
  const items: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const out = await sfnClient().send(new ListExecutionsCommand({ stateMachineArn, statusFilter, nextToken, maxResults: 100 }));
      items.push(...(out.executions ?? []));
      nextToken = out.nextToken;
    } while (nextToken && items.length < limit);
  } catch (error) {
    throw mapAwsError('sfn', error);
  }
  return items;
}

/** An execution's status and result. */
export interface ExecutionFacts {
  executionArn: string;
  status: ExecutionStatus | undefined;
  output: string | undefined;
  error: string | undefined;
  cause: string | undefined;
  startDate: Date | undefined;
  stopDate: Date | undefined;
}

/** Describe an execution; undefined when it does not exist. */
export async function describeExecution(executionArn: string): Promise<ExecutionFacts | undefined> {
  try {
    const out = await sfnClient().send(new DescribeExecutionCommand({ executionArn }));
    return { executionArn, status: out.status, output: out.output, error: out.error, cause: out.cause, startDate: out.startDate, stopDate: out.stopDate };
  } catch (error) {
    if (awsErrorName(error) === 'ExecutionDoesNotExist' || awsErrorName(error) === 'InvalidArn') return undefined;
    throw mapAwsError('sfn', error);
  }
}
