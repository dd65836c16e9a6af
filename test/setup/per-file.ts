/**
 * Vitest runs setup files again before every test file, also with
 * `isolate: false`, where the modules stay loaded between the files of a
 * worker. What a file may leave behind in the process is put back as a new
 * process would have it: the environment, the clock source, the cached
 * configuration, cluster clients and SSM parameters. (The AWS SDK clients of
 * src/aws stay: every simulation of a process serves each AWS API on the same
 * listener; a file that points them at its own server imports them afresh.)
 */
import { clearParameterCache } from '../../src/aws/ssm.js';
import { resetConfig } from '../../src/config/index.js';
import { resetClusterClients } from '../../src/hashicorp/clients.js';
import { setClockSource } from '../../src/time/clock.js';

const START_ENV = Symbol.for('hashistack.tests.startEnv');
const worker = globalThis as { [START_ENV]?: Readonly<NodeJS.ProcessEnv> };
worker[START_ENV] ??= { ...process.env };
const startEnv = worker[START_ENV];
for (const key of Object.keys(process.env)) if (!(key in startEnv)) delete process.env[key];
Object.assign(process.env, startEnv);

setClockSource(Date.now);
resetConfig();
resetClusterClients();
clearParameterCache();
