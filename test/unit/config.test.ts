import { describe, expect, it } from 'vitest';
import { getConfig, lazyConfig, loadConfig, resetConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors/index.js';
import { parseDuration } from '../../src/time/duration.js';
import { baseEnv } from './helpers.js';

describe('parseDuration', () => {
  it('parses Go durations', () => {
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('0')).toBe(0);
  });
  it('rejects non-durations', () => {
    for (const bad of ['15', 'm', '1d', '-5m', '1h 30m', '']) expect(parseDuration(bad)).toBeUndefined();
  });
});

describe('loadConfig', () => {
  it('parses the deployed environment', () => {
    const c = loadConfig(baseEnv);
    expect(c.drainDeadlineMs).toBe(3_600_000);
    expect(c.giveUpAfterMs).toBe(1_800_000);
    expect(c.joinTimeoutMs).toBe(900_000);
    expect(c.purgeNomadNode).toBe(true);
    expect(c.joinMode).toBe('auto');
    expect(c.drainStateMachineArn).toBeUndefined();
    expect(c.tokenParameters.consul).toBe('/hashistack/control-plane/consul-token');
  });
  it("takes the token parameters' KMS key as alias/aws/ssm (default) or a key ARN, nothing else", () => {
    expect(loadConfig(baseEnv).tokenParameterKmsKey).toBe('alias/aws/ssm');
    const arn = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    expect(loadConfig({ ...baseEnv, TOKEN_PARAMETER_KMS_KEY: arn }).tokenParameterKmsKey).toBe(arn);
    expect(
      loadConfig({ ...baseEnv, TOKEN_PARAMETER_KMS_KEY: 'arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab' }).tokenParameterKmsKey,
    ).toMatch(/mrk-/);
    for (const bad of ['alias/my-key', 'arn:aws:kms:us-east-1:123456789012:alias/my-key', '1234abcd-12ab-34cd-56ef-1234567890ab', '*']) {
      expect(() => loadConfig({ ...baseEnv, TOKEN_PARAMETER_KMS_KEY: bad })).toThrowError(/TOKEN_PARAMETER_KMS_KEY: must be alias\/aws\/ssm or a KMS key ARN/);
    }
  });
  it('reads the AMI allow-list of console upgrades (AMI ids only)', () => {
    expect(loadConfig(baseEnv).amiAllowedIds).toEqual([]);
    expect(loadConfig({ ...baseEnv, AMI_ALLOWED_IDS: 'ami-0123456789abcdef0, ami-01234567' }).amiAllowedIds).toEqual(['ami-0123456789abcdef0', 'ami-01234567']);
    expect(() => loadConfig({ ...baseEnv, AMI_ALLOWED_IDS: 'ubuntu' })).toThrowError(/AMI_ALLOWED_IDS/);
  });
  it('names the bad variable', () => {
    expect(() => loadConfig({ ...baseEnv, DRAIN_DEADLINE: 'one hour' })).toThrowError(/DRAIN_DEADLINE/);
    expect(() => loadConfig({ ...baseEnv, JOIN_MODE: 'manual' })).toThrowError(ConfigError);
    const missing: Record<string, string | undefined> = { ...baseEnv, CLUSTER_NAME: undefined };
    try {
      loadConfig(missing);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).variable).toBe('CLUSTER_NAME');
      expect((e as Error).name).toBe('ConfigError');
    }
  });
  it('names the variable of a grouped setting and applies defaults', () => {
    expect(() => loadConfig({ ...baseEnv, VAULT_TOKEN_PARAMETER: undefined })).toThrowError('VAULT_TOKEN_PARAMETER: is not set');
    expect(() => loadConfig({ ...baseEnv, AMI_TAGS: 'os' })).toThrowError(/^AMI_TAGS: not a tag filter/);
    const c = loadConfig(baseEnv);
    expect(c.serverQuorumWaitMs).toBe(30 * 60_000);
    expect(c.amiFilter).toEqual({ owners: ['self'], namePattern: 'hashistack-alpine-*', tags: {} });
    expect(c.autoUpgrade).toBe(false);
    expect(c.maintenanceWindow.text).toBe('Sun 02:00-06:00');
  });
  it('refuses plain http to non-loopback hosts', () => {
    expect(() => loadConfig({ ...baseEnv, NOMAD_ADDR: 'http://nomad.service.consul:4646' })).toThrowError(/NOMAD_ADDR.*plain http/);
    expect(() => loadConfig({ ...baseEnv, VAULT_ADDR: 'http://10.0.0.5:8200' })).toThrowError(/VAULT_ADDR/);
    expect(() => loadConfig({ ...baseEnv, CONSUL_HTTP_ADDR: 'ftp://consul' })).toThrowError(/CONSUL_HTTP_ADDR/);
  });
  it('allows plain http to loopback', () => {
    for (const addr of ['http://127.0.0.1:4646', 'http://127.5.6.7:1', 'http://localhost:4646', 'http://[::1]:4646']) {
      expect(loadConfig({ ...baseEnv, NOMAD_ADDR: addr }).nomadAddr).toBe(addr);
    }
  });
});

describe('lazyConfig (a function parses only the settings it reads)', () => {
  /** The error `read` throws. */
  const thrown = (read: () => unknown): Error => {
    try {
      read();
    } catch (error) {
      return error as Error;
    }
    throw new Error('did not throw');
  };

  it('reads every setting as loadConfig parses it', () => {
    const whole = loadConfig(baseEnv);
    const lazy = lazyConfig(baseEnv);
    for (const key of Object.keys(whole) as (keyof typeof whole)[]) expect(lazy[key]).toEqual(whole[key]);
    expect(Object.keys(lazy).sort()).toEqual(Object.keys(whole).sort());
  });

  it('a bad setting fails its own read, with the error loadConfig throws, and no other', () => {
    for (const [variable, value, read] of [
      ['DRAIN_DEADLINE', 'one hour', (c) => c.drainDeadlineMs],
      ['AMI_TAGS', 'os', (c) => c.amiFilter],
      ['NOMAD_ADDR', 'http://nomad.service.consul:4646', (c) => c.nomadAddr],
      ['CLUSTER_NAME', undefined, (c) => c.clusterName],
      ['AMI_ALLOWED_IDS', 'ubuntu', (c) => c.amiAllowedIds],
    ] as const satisfies readonly (readonly [string, string | undefined, (c: ReturnType<typeof lazyConfig>) => unknown])[]) {
      const env = { ...baseEnv, [variable]: value };
      const lazy = lazyConfig(env);
      expect(lazy.joinTimeoutMs).toBe(900_000);
      const error = thrown(() => read(lazy));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toBe(thrown(() => loadConfig(env)).message);
    }
  });

  it('applies the checks across settings: Vault address and token required while Vault is enabled', () => {
    for (const [variable, read] of [
      ['VAULT_ADDR', (c) => c.vaultAddr],
      ['VAULT_TOKEN_PARAMETER', (c) => c.tokenParameters],
    ] as const satisfies readonly (readonly [string, (c: ReturnType<typeof lazyConfig>) => unknown])[]) {
      for (const value of ['', undefined]) {
        const env = { ...baseEnv, [variable]: value };
        const error = thrown(() => read(lazyConfig(env)));
        expect(error.message).toBe(thrown(() => loadConfig(env)).message);
        expect(error.message).toBe(value === '' ? `${variable}: is required while VAULT_ENABLED is true` : `${variable}: is not set`);
        expect(() => read(lazyConfig({ ...env, VAULT_ENABLED: 'false' }))).not.toThrow();
      }
    }
  });

  it('getConfig keeps process.env as it was on the first call, until reset', () => {
    const before = process.env.DRAIN_DEADLINE;
    resetConfig();
    process.env.DRAIN_DEADLINE = '2h';
    try {
      const config = getConfig();
      process.env.DRAIN_DEADLINE = '3h';
      expect(config.drainDeadlineMs).toBe(2 * 3_600_000);
      resetConfig();
      expect(getConfig().drainDeadlineMs).toBe(3 * 3_600_000);
    } finally {
      if (before === undefined) delete process.env.DRAIN_DEADLINE;
      else process.env.DRAIN_DEADLINE = before;
      resetConfig();
    }
  });
});
