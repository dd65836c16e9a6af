import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { nomadRuleLevels, type PermissionClients } from '../../src/hashicorp/permissions.js';
import { resetConfig } from '../../src/config/index.js';
import { sharedPreflight } from '../../src/workflows/drain/deps.js';
import { cachedPreflight, PREFLIGHT_TTL_MS } from '../../src/workflows/preflight.js';
import { baseEnv } from './helpers.js';

describe('Nomad policy rules', () => {
  it('reads node/agent/operator dispositions and namespace "*" capabilities; deny wins; other namespaces grant nothing', () => {
    const rules = `
      node { policy = "write" }
      agent {
        policy = "read"
      }
      namespace "*" { capabilities = ["list-jobs", "read-job"] }
      namespace "team-a" { policy = "write" }
      operator { policy = "deny" }
    `;
    expect(nomadRuleLevels(rules)).toEqual({ node: 'write', agent: 'read', namespace: 'read', operator: 'deny' });
    expect(nomadRuleLevels('node { policy = "read" }\nnode { policy = "deny" }')).toEqual({ node: 'deny' });
    expect(nomadRuleLevels('host_volume "*" { policy = "write" }')).toEqual({});
  });

  it('the example control-plane policy grants what client drains and joins need', () => {
    const rules = readFileSync(new URL('../../examples/acl/nomad-control-plane.policy.hcl', import.meta.url), 'utf8');
    expect(nomadRuleLevels(rules)).toEqual({ node: 'write', operator: 'read', agent: 'read', namespace: 'read' });
  });
});

describe('cached preflight', () => {
  it('asks once per workflow within the TTL, again after it, and not after a failed check', async () => {
    let t = 1_000;
    const tokenSelf = vi.fn(async () => ({ AccessorID: 'a', Type: 'management' as const }));
    const clients: PermissionClients = {
      nomad: { tokenSelf, aclPolicy: vi.fn() },
      consul: { authorize: vi.fn(async (r: unknown[]) => r.map(() => ({ Allow: true }))) },
      vault: { capabilitiesSelf: vi.fn(async () => ({})) },
    };
    const preflight = cachedPreflight(clients, () => t);
    await Promise.all([preflight('drain-client'), preflight('drain-client')]);
    expect(tokenSelf).toHaveBeenCalledTimes(1);
    t += PREFLIGHT_TTL_MS;
    await preflight('drain-client');
    expect(tokenSelf).toHaveBeenCalledTimes(2);
    tokenSelf.mockRejectedValueOnce(new Error('boom'));
    t += PREFLIGHT_TTL_MS;
    await expect(preflight('drain-client')).rejects.toThrow('boom');
    await preflight('drain-client');
    expect(tokenSelf).toHaveBeenCalledTimes(4);
  });

  it("the container's shared preflight belongs to its clients: clients made for another configuration ask their own cluster", async () => {
    Object.assign(process.env, baseEnv);
    resetConfig();
    const clientsFor = (accessor: string) => {
      const tokenSelf = vi.fn(async () => ({ AccessorID: accessor, Type: 'management' as const }));
      const clients: PermissionClients = {
        nomad: { tokenSelf, aclPolicy: vi.fn() },
        consul: { authorize: vi.fn(async (r: unknown[]) => r.map(() => ({ Allow: true }))) },
        vault: { capabilitiesSelf: vi.fn(async () => ({})) },
      };
      return { clients, tokenSelf };
    };
    const first = clientsFor('first');
    const second = clientsFor('second');
    expect(sharedPreflight(first.clients)).toBe(sharedPreflight(first.clients));
    await sharedPreflight(first.clients)('drain-client');
    await sharedPreflight(second.clients)('drain-client');
    expect(first.tokenSelf).toHaveBeenCalledTimes(1);
    expect(second.tokenSelf).toHaveBeenCalledTimes(1);
  });
});
