/** Server pool replacement, one server at a time (see README "Servers"). */
import { REPLACE_NEXT_BY_TASK } from '../../src/workflows/servers/replace-state.js';
import { branches, choice, fail, machine, succeed, wait } from '../builder/asl.js';
import { lifecycleTasks } from '../builder/fragments.js';

/** State names as the console shows them. */
export const SERVER_REPLACE = {
  prepare: 'Prepare',
  snapshot: 'Snapshot',
  nextStep: 'NextStep?',
  waitForServers: 'WaitForServers',
  step: 'ReplaceStep',
  replaced: 'Replaced',
  replaceFailed: 'ReplaceFailed',
} as const;
const S = SERVER_REPLACE;

const replaceTask = lifecycleTasks({
  onFailure: S.replaceFailed,
  waitComment: "The cluster or AWS was unreachable after the task's own retries: wait, then run the same task again.",
  waitResultPath: '$.lastError',
});
/** After Prepare and after every step: the same routing. */
const next = {
  done: S.replaced,
  failed: S.replaceFailed,
  snapshot: S.snapshot,
  launch: S.step,
  terminate: S.step,
  'wait-new': S.waitForServers,
  'wait-removed': S.waitForServers,
} as const;

export const serverReplace = machine(
  'Replace every server of one or several server ASGs whose launch template version differs from the group\'s, one at a time, groups in HashiCorp\'s order of their systems (Consul, Nomad, Vault), after one verified raft snapshot per system: +1 new server (join gate), wait until it is a healthy voter in each system of its group, terminate one old server with decrement (its terminate hook runs the drain workflow\'s quorum-safe removal), raft leaders last. Input {"asgName": "<server ASG>"} or {"asgNames": ["<ASG>", ...]}; output the summary with per-server timings.',
  172800,
  {
    ...replaceTask(S.prepare, 'serverReplacePrepare', {
      comment: 'Servers to replace; refuses (ServerReplaceRefused) when the cluster is unhealthy, the group not steady or MaxSize does not allow +1.',
      next: S.nextStep,
    }),
    [S.nextStep]: choice(branches('$.next', REPLACE_NEXT_BY_TASK.step, next), S.waitForServers, 'What Prepare or the last step decided.'),
    [S.waitForServers]: wait(
      { secondsPath: '$.pollAfterSeconds' },
      S.step,
      'A new server is joining or an old one is being removed: check again after a while.',
    ),
    ...replaceTask(S.snapshot, 'serverReplaceSnapshot', {
      comment:
        "Before any server changes: one raft snapshot of the next system the groups run (Consul, Nomad, Vault) streamed to S3 and verified (size, the product's checksum, raft index); a failed one stops the replacement here (SnapshotFailed), nothing added or removed.",
      next: S.nextStep,
    }),
    ...replaceTask(S.step, 'serverReplaceStep', {
      comment: 'One step: launch (+1), wait-new (healthy voter everywhere), terminate (one old server, leaders last), wait-removed.',
      next: S.nextStep,
    }),
    [S.replaced]: succeed({ comment: 'Every outdated server replaced (or none was).', outputPath: '$.summary' }),
    [S.replaceFailed]: fail({
      comment: 'Refused, or a replacement never became healthy, or an old server was not removed.',
      errorPath: '$.error.Error',
      causePath: '$.error.Cause',
    }),
  },
);
