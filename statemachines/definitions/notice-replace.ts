/**
 * Replacements an instance notice asks for that take longer than one
 * invocation (README "Spot interruptions, rebalance recommendations,
 * scheduled maintenance"): a scheduled retirement replaced inside the
 * maintenance window (Wait until the window opens, then instanceNotice's own
 * logic on the same event, which replaces it now), and the surge-first
 * replacement on a rebalance recommendation (+1, wait for the replacement,
 * terminate the old one with decrement).
 */
import { SURGE_NEXT, SURGE_STARTED } from '../../src/workflows/notices/surge.js';
import { branches, choice, lambda, machine, succeed, task, wait } from '../builder/asl.js';
import { retryFor } from '../builder/policy.js';

export const NOTICE_REPLACE = {
  mode: 'Mode?',
  waitForWindow: 'WaitForMaintenanceWindow',
  replaceNow: 'ReplaceNow',
  surgeStart: 'SurgeStart',
  surged: 'Surged?',
  waitForReplacement: 'WaitForReplacement',
  checkReplacement: 'CheckReplacement',
  ready: 'Ready?',
  terminateOld: 'TerminateOld',
  done: 'Done',
} as const;
const S = NOTICE_REPLACE;

export const noticeReplace = machine(
  'Replace an instance for a notice: {"mode": "window", "instanceId", "asgName", "replaceAt": ISO time, "event": the AWS Health event} waits for the maintenance window and then handles the event again (it replaces the instance now); {"mode": "surge", "instanceId", "asgName"} adds one instance, waits until it is InService (joined), then terminates the old one with decrement (the terminate hook drains it).',
  14 * 24 * 3600,
  {
    [S.mode]: choice(
      [{ Variable: '$.replaceAt', IsPresent: true, Next: S.waitForWindow }],
      S.surgeStart,
      'A retirement for the window (it has replaceAt), or a surge replacement.',
    ),
    [S.waitForWindow]: wait(
      { timestampPath: '$.replaceAt' },
      S.replaceNow,
      'Until the maintenance window opens (durable: the execution waits, nothing polls).',
    ),
    [S.replaceNow]: task(lambda('instanceNotice'), {
      comment: "instanceNotice's logic on the same event, now inside the window: the instance is replaced now (or skipped when it already went).",
      inputPath: '$.event',
      timeoutSeconds: 60,
      retry: retryFor.step(),
      next: null,
    }),
    [S.surgeStart]: task(lambda('noticeSurgeStart'), {
      comment: '+1 desired capacity (one at a time); at MaxSize the old instance is terminated first instead; gone: nothing to do.',
      timeoutSeconds: 60,
      retry: retryFor.step(),
      next: S.surged,
    }),
    [S.surged]: choice(
      branches('$.surge', SURGE_STARTED, { started: S.waitForReplacement, 'terminate-first': S.done, gone: S.done }),
      S.done,
      'Whether a surge is under way.',
    ),
    [S.waitForReplacement]: wait({ seconds: 20 }, S.checkReplacement, 'The replacement launches and passes the join gate.'),
    [S.checkReplacement]: task(lambda('noticeSurgeCheck'), {
      comment: 'Ready when the group holds every instance it was asked for, one of them new and InService (joined).',
      timeoutSeconds: 60,
      retry: retryFor.step(),
      next: S.ready,
    }),
    [S.ready]: choice(
      branches('$.next', SURGE_NEXT, { ready: S.terminateOld, waiting: S.waitForReplacement, gone: S.done }),
      S.waitForReplacement,
      'Replacement in service?',
    ),
    [S.terminateOld]: task(lambda('noticeSurgeFinish'), {
      comment: 'TerminateInstanceInAutoScalingGroup with ShouldDecrementDesiredCapacity: the group returns to its size, the terminate hook drains the node.',
      timeoutSeconds: 60,
      retry: retryFor.step(),
      next: S.done,
    }),
    [S.done]: succeed({ comment: 'Replaced, or nothing left to do.' }),
  },
);
