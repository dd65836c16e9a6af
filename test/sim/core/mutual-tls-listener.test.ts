/**
 * Conformance of the simulated APIs' mutual TLS with an independent client
 * (curl, OpenSSL): served as an agent with `verify_https_client` /
 * `verify_incoming` serves, a request without a client certificate issued by
 * the cluster CA is refused at the handshake, one with it is answered.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { SimClock } from '../../../sim/core/clock.js';
import { Faults } from '../../../sim/core/faults.js';
import { type RunningService, serve, type SimService } from '../../../sim/core/http.js';
import { Recorder } from '../../../sim/core/recorder.js';
import { Rng } from '../../../sim/core/rng.js';
import { simPki } from '../../../sim/core/tls.js';

const exec = promisify(execFile);
let running: RunningService | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

const agentSelf: SimService = {
  name: 'nomad',
  actionOf: () => 'GET /v1/agent/self',
  handle: () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"config":{}}' }),
  throttled: () => ({ status: 429 }),
  serverError: () => ({ status: 500 }),
};

/** curl's exit code and output (curl exits non-zero on a refused handshake). */
async function curl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec('curl', ['--silent', '--show-error', '--max-time', '10', ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('simulated API over mutual TLS (curl)', () => {
  it('refuses a client without a certificate at the handshake, and one with a certificate of another CA; answers the cluster CA’s client', async () => {
    const pki = await simPki();
    const clock = new SimClock({ start: Date.parse('2026-01-05T09:00:00Z') });
    running = await serve(agentSelf, { clock, faults: new Faults(new Rng(1)), recorder: new Recorder(clock) }, 0, { ca: pki.caPem, ...pki.server });
    expect(running.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const dir = mkdtempSync(join(tmpdir(), 'mtls-curl-'));
    const file = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    const [cert, key] = pki.clientPem.nomad.split(/(?=-----BEGIN PRIVATE KEY-----)/) as [string, string];
    const [foreignCert, foreignKey] = pki.foreignClientPem.split(/(?=-----BEGIN PRIVATE KEY-----)/) as [string, string];
    const ca = file('ca.pem', pki.caPem);
    const url = `${running.url}/v1/agent/self`;

    const without = await curl(['--cacert', ca, url]);
    expect(without.code).not.toBe(0);
    expect(without.stdout).toBe('');
    expect(without.stderr).toMatch(/certificate required|handshake failure|alert/i);

    const foreign = await curl(['--cacert', ca, '--cert', file('foreign.pem', foreignCert), '--key', file('foreign-key.pem', foreignKey), url]);
    expect(foreign.code).not.toBe(0);
    expect(foreign.stdout).toBe('');

    const ok = await curl(['--cacert', ca, '--cert', file('cli.pem', cert), '--key', file('cli-key.pem', key), url]);
    expect(ok).toMatchObject({ code: 0, stdout: '{"config":{}}' });
    clock.stop();
  });
});
