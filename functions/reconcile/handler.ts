/** Scheduled: the reconciliation sweep (dead letters, missed lifecycle actions, overdue executions, leftovers of instances gone out of band). */
import * as z from '../../src/validation/zod.js';
import { defaultReconcileDeps } from '../../src/workflows/reconcile/deps.js';
import { reconcile } from '../../src/workflows/reconcile/sweep.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler('Reconcile', z.unknown(), defaultReconcileDeps, (_event, d) => reconcile(d));
