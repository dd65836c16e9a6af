/**
 * zod/mini reports a bare "Invalid input" unless a locale is configured;
 * src/validation/zod.ts configures English. Checked on a bundle of its own in
 * a fresh process: in a test process that loaded classic zod, English is
 * configured anyway (the configuration is zod core's, shared by both).
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { lambdaBuildOptions } from '../../bench/bundles.js';

const ROOT = resolve(import.meta.dirname, '../..');
const ENTRY = `
import { LifecycleActionSchema } from './src/events/lifecycle-action.js';
import { parseTaskInput } from './src/workflows/task.js';
try {
  parseTaskInput(LifecycleActionSchema, { kind: 'drain', instanceId: 7, asgName: '', hookName: 'h', token: 't', eventTime: 1, eventId: 'e' }, 'Step');
} catch (error) {
  console.log(error.message);
}
`;

describe('validation messages in a bundle', () => {
  it('name what was expected and where, and the bundle holds no classic zod', async () => {
    const out = await build({ ...lambdaBuildOptions(), stdin: { contents: ENTRY, resolveDir: ROOT, loader: 'ts' }, write: false, metafile: true });
    const printed = execFileSync(process.execPath, ['--input-type=module'], { input: out.outputFiles[0]?.text, encoding: 'utf8' });
    expect(printed.trim()).toBe(
      [
        'Step: invalid input: ✖ Invalid option: expected one of "launch"|"terminate"',
        '  → at kind',
        '✖ Invalid input: expected string, received number',
        '  → at instanceId',
        '✖ Too small: expected string to have >=1 characters',
        '  → at asgName',
      ].join('\n'),
    );
    expect(Object.keys(out.metafile.inputs).filter((p) => p.includes('node_modules/zod/v4/classic/'))).toEqual([]);
  });
});
