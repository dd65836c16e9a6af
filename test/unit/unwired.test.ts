import { describe, expect, it, vi } from 'vitest';
import { unwired, wiredOnly } from '../../src/workflows/unwired.js';

interface Ec2 {
  describeInstance: (id: string) => Promise<string>;
  createTags: (ids: string[]) => Promise<void>;
}

describe('wiredOnly', () => {
  it('answers the operations a step wires with the functions it passed', async () => {
    const describeInstance = vi.fn(async (id: string) => `facts of ${id}`);
    const ec2 = wiredOnly<Ec2>('ec2', { describeInstance });
    expect(ec2.describeInstance).toBe(describeInstance);
    await expect(ec2.describeInstance('i-1')).resolves.toBe('facts of i-1');
  });

  it('throws on any other operation, naming the dependency and the operation', () => {
    const ec2 = wiredOnly<Ec2>('ec2', { describeInstance: async () => 'x' });
    expect(() => ec2.createTags).toThrow('ec2.createTags is not wired into this function: add it to its dependencies');
  });

  it('wires nothing when the step passes nothing', () => {
    const ec2 = wiredOnly<Ec2>('ec2', undefined);
    expect(() => ec2.describeInstance).toThrow(/^ec2\.describeInstance is not wired/);
  });

  it('is not a thenable and has no symbol members (it can be awaited and spread into deps)', async () => {
    const ec2 = wiredOnly<Ec2>('ec2', {});
    expect((ec2 as unknown as { then?: unknown }).then).toBeUndefined();
    expect((ec2 as unknown as Record<symbol, unknown>)[Symbol.toPrimitive]).toBeUndefined();
    await expect(Promise.resolve(ec2)).resolves.toBe(ec2);
  });

  it('serialises to the operations it wires (a log line with the dependencies does not throw)', () => {
    const ec2 = wiredOnly<Ec2>('ec2', { describeInstance: async () => 'x' });
    expect(JSON.stringify({ ec2 })).toBe('{"ec2":{}}');
    expect(Object.keys(ec2)).toEqual(['describeInstance']);
  });
});

describe('unwired', () => {
  it('throws on every operation, naming it', () => {
    const sfn = unwired<{ startExecution: () => Promise<void> }>('sfn');
    expect(() => sfn.startExecution).toThrow('sfn.startExecution is not wired into this function: add it to its dependencies');
  });
});
