/** Log context helpers: which lifecycle action a log line is about. */
import type { Context } from 'aws-lambda';
import type { LifecycleAction } from '../events/lifecycle-action.js';
import { getLogger } from './logger.js';

const ACTION_KEYS = ['instanceId', 'asgName', 'lifecycleKind', 'lifecycleHook', 'eventId'];

/** Add the lifecycle-action keys (never the token) to every following log line of this invocation. */
export function appendLifecycleKeys(action: Pick<LifecycleAction, 'kind' | 'instanceId' | 'asgName' | 'hookName' | 'eventId'>): void {
  getLogger().appendKeys({
    instanceId: action.instanceId,
    asgName: action.asgName,
    lifecycleKind: action.kind,
    lifecycleHook: action.hookName,
    eventId: action.eventId,
  });
}

/** Drop the lifecycle-action keys (a sweep routes many actions in one invocation). */
export function clearLifecycleKeys(): void {
  getLogger().removeKeys(ACTION_KEYS);
}

/** Start an invocation: Lambda context in, previous invocation's keys out. */
export function startInvocation(context: Context | undefined): void {
  const logger = getLogger();
  logger.removeKeys(ACTION_KEYS);
  if (context) logger.addContext(context);
}
