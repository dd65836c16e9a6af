/** Invoked by `npm run doctor`: are the cluster APIs reachable, over verified TLS, from the Lambdas' subnets? */
import * as z from '../../src/validation/zod.js';
import { getConfig } from '../../src/config/index.js';
import { reachabilityProbe } from '../../src/workflows/reachability/probe.js';
import { taskHandler } from '../../src/workflows/task-handler.js';

export const handler = taskHandler('ReachabilityProbe', z.strictObject({}), getConfig, (_input, config) => reachabilityProbe(config));
