import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const read = (stage: string) => parse(readFileSync(new URL(`../../config/${stage}.yml`, import.meta.url), 'utf8')) as Record<string, unknown>;
const CERT_KEYS = ['nomadClientCertParameter', 'consulClientCertParameter', 'vaultClientCertParameter'];

describe('config/mtls.yml (the simulator’s mutual TLS stage)', () => {
  it('is config/example.yml with a client certificate parameter for each API', () => {
    const example = read('example');
    const mtls = read('mtls');
    for (const key of CERT_KEYS) {
      expect(example[key]).toBe('');
      expect(mtls[key]).toMatch(/^\/hashistack\/control-plane\/(nomad|consul|vault)-client-cert$/);
    }
    const without = (config: Record<string, unknown>) => Object.fromEntries(Object.entries(config).filter(([k]) => !CERT_KEYS.includes(k)));
    expect(without(mtls)).toEqual(without(example));
  });
});
