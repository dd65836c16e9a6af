/**
 * A deploy swaps the functions' code under running executions: a drain or an
 * upgrade started before it calls the new code with the state the old code
 * wrote. Every event an earlier version's functions were invoked with
 * (test/fixtures/task-inputs, recorded by `npm run state:record` at each
 * release) must still pass the input schema of today's function, and every
 * function such an execution may call must still be deployed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { resetConfig } from '../../src/config/index.js';
import { loadDeployConfig } from '../../sim/runtime/deploy-config.js';
import type { TaskHandler } from '../../src/workflows/task-handler.js';

const ROOT = resolve(import.meta.dirname, '../..');
const FIXTURES = join(ROOT, 'test/fixtures/task-inputs');
const Fixture = z.object({ version: z.string(), commit: z.string(), functions: z.record(z.string(), z.array(z.unknown())) });

const deploy = loadDeployConfig(join(ROOT, 'serverless.yml'), 'example');
const fixtures = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json'))
  .map((f) => Fixture.parse(JSON.parse(readFileSync(join(FIXTURES, f), 'utf8'))));

/** The deployed handler of `key`, imported with its deployed environment (some read their config at import). */
async function handlerOf(key: string): Promise<TaskHandler<unknown> | undefined> {
  const spec = deploy.functions.find((f) => f.key === key);
  if (!spec) return undefined;
  Object.assign(process.env, spec.environment, { AWS_REGION: deploy.region });
  resetConfig();
  const module = (await import(pathToFileURL(spec.sourceFile).href)) as Record<string, TaskHandler<unknown>>;
  return module[spec.exportName];
}

describe('states of earlier versions still pass', () => {
  it('has fixtures to check', () => {
    expect(fixtures.length).toBeGreaterThan(0);
  });

  for (const fixture of fixtures) {
    describe(`v${fixture.version} (${fixture.commit})`, () => {
      for (const [key, events] of Object.entries(fixture.functions)) {
        it(`${key}: still deployed, and its ${events.length} recorded input shape(s) parse`, async () => {
          const handler = await handlerOf(key);
          expect(handler, `${key} is called by executions of v${fixture.version} but no longer deployed`).toBeDefined();
          expect(handler?.inputSchema, `${key} exports no input schema`).toBeDefined();
          for (const event of events) {
            const r = handler ? z.safeParse(handler.inputSchema, event) : undefined;
            expect(r?.success, r?.success === false ? `${key}: ${z.prettifyError(r.error)}\n${JSON.stringify(event)}` : '').toBe(true);
          }
        });
      }
    });
  }
});
