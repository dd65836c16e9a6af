import { describe, expect, it } from 'vitest';
import { applyInputTransformer } from '../../../sim/runtime/input-transformer.js';

const event = { detail: { name: 'join-i-1', status: 'FAILED', error: 'NodeNeverJoined', cause: '{"log":"secret tail"}', attempts: 3 } };

describe('EventBridge input transformer', () => {
  it('inserts text inside quotes (escaped) and JSON values outside, only the mapped paths', () => {
    const out = applyInputTransformer(
      {
        InputPathsMap: { name: '$.detail.name', error: '$.detail.error', attempts: '$.detail.attempts', cause: '$.detail.cause' },
        InputTemplate: '{"text": "run <name> failed: <error>", "n": <attempts>, "c": "<cause>", "raw": <name>}',
      },
      event,
    );
    expect(JSON.parse(out)).toEqual({ text: 'run join-i-1 failed: NodeNeverJoined', n: 3, c: '{"log":"secret tail"}', raw: 'join-i-1' });
  });
  it('a path the event lacks is null outside quotes and empty text inside', () => {
    const out = applyInputTransformer({ InputPathsMap: { x: '$.detail.nope' }, InputTemplate: '{"a": <x>, "b": "[<x>]"}' }, event);
    expect(JSON.parse(out)).toEqual({ a: null, b: '[]' });
  });
  it('leaves unmapped angle brackets alone', () => {
    expect(applyInputTransformer({ InputPathsMap: {}, InputTemplate: '"a <b> c"' }, event)).toBe('"a <b> c"');
  });
});
