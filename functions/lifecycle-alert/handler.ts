/** Drain and join: put the `alert` milestone of a workflow that ends in an alert (the topic hears of it from the failed-execution rule). */
import * as events from '../../src/aws/events.js';
import { defaultLifecycleAlertDeps, LifecycleAlertInputSchema, publishLifecycleAlert } from '../../src/workflows/alerts/lifecycle-alert.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler('LifecycleAlert', LifecycleAlertInputSchema, () => defaultLifecycleAlertDeps(events), publishLifecycleAlert);
