/** The six state machines, by the file `npm run asl` writes (statemachines/<file>.asl.json, loaded by serverless.yml). */
import type { Definition } from '../builder/asl.js';
import { clusterUpgrade } from './cluster-upgrade.js';
import { drain } from './drain.js';
import { join } from './join.js';
import { noticeReplace } from './notice-replace.js';
import { poolUpgrade } from './pool-upgrade.js';
import { serverReplace } from './server-replace.js';

export const MACHINES: Record<string, Definition> = {
  drain,
  join,
  'server-replace': serverReplace,
  'pool-upgrade': poolUpgrade,
  'cluster-upgrade': clusterUpgrade,
  'notice-replace': noticeReplace,
};

/** The committed JSON of a definition. */
export const render = (definition: Definition): string => `${JSON.stringify(definition, null, 2)}\n`;
