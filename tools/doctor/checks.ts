/**
 * The preflight: everything the control plane relies on in the account and
 * the cluster, read-only, one row per check with the fix. The expectations
 * are the README's (hooks, tags, launch templates, node conventions) and the
 * control plane's own code (hook audit, token preflight).
 */
import type { AutoScalingGroup } from '../../src/aws/autoscaling.js';
import type { Config } from '../../src/config/index.js';
import { clusterSystems, parseSystemsTag, SYSTEMS_TAG } from '../../src/cluster/systems.js';
import { LAUNCHING, TERMINATING } from '../../src/events/schemas.js';
import { checkTokenPermissions, type Workflow } from '../../src/hashicorp/permissions.js';
import { probeReachability, type Reachability } from '../../src/hashicorp/reachability.js';
import { parseDuration } from '../../src/time/duration.js';
import { checkHook, MIN_HEARTBEAT_TIMEOUT_SEC } from '../../src/workflows/hook-audit/audit.js';
import type { DoctorProbes } from './probes.js';
import { type DoctorCheck, fail, pass, warn } from './result.js';

/** Oldest product versions the control plane is written against, and why. */
export const MIN_VERSIONS = {
  nomad: { version: '1.6.0', why: 'node pools (the join gate checks the pool)' },
  consul: { version: '1.11.0', why: 'X-Consul-Results-Filtered-By-ACLs (an ACL-filtered read is told from an empty one)' },
  vault: { version: '1.7.0', why: 'sys/storage/raft/autopilot/state (the quorum guard)' },
} as const;

type DoctorConfig = Pick<
  Config,
  'clusterName' | 'launchHookName' | 'terminateHookName' | 'tokenParameters' | 'nomadAddr' | 'consulAddr' | 'vaultAddr' | 'vaultEnabled'
>;

/** Run every check; never writes anything. */
export async function runDoctor(config: DoctorConfig, probes: DoctorProbes): Promise<DoctorCheck[]> {
  const rows: DoctorCheck[] = [];
  let groups: AutoScalingGroup[] = [];
  try {
    groups = await probes.groups(config.clusterName);
    rows.push(
      groups.length > 0
        ? pass('cluster groups', config.clusterName, `${groups.length} Auto Scaling groups tagged hashistack:cluster=${config.clusterName}`)
        : fail(
            'cluster groups',
            config.clusterName,
            'no Auto Scaling group is tagged for this cluster',
            `tag every cluster group hashistack:cluster=${config.clusterName} (examples/terraform)`,
          ),
    );
  } catch (error) {
    rows.push(fail('aws', 'autoscaling', `DescribeAutoScalingGroups failed: ${message(error)}`, 'check credentials, region and AWS_ENDPOINT_URL'));
  }
  for (const g of groups) rows.push(...(await groupChecks(config, probes, g)));
  const tokens = await tokenParameterChecks(config, probes);
  rows.push(...tokens);
  const reachable = await reachabilityChecks(config, probes);
  rows.push(...reachable.rows);
  // Checks that need the cluster and the tokens run only when both are there (their own rows above say why not).
  const clusterReadable = reachable.all && tokens.every((r) => r.status === 'pass');
  if (clusterReadable) {
    rows.push(...(await permissionChecks(probes, workflowsOf(groups), managed(config))));
    rows.push(...(await versionChecks(probes, managed(config))));
  }
  rows.push(...(await ssmAgentChecks(probes, groups)));
  if (clusterReadable) rows.push(...(await nodeConventionChecks(probes, groups)));
  return rows;
}

const tagOf = (g: AutoScalingGroup, key: string): string | undefined => g.Tags?.find((t) => t.Key === key)?.Value;

async function groupChecks(config: DoctorConfig, probes: DoctorProbes, g: AutoScalingGroup): Promise<DoctorCheck[]> {
  const asg = g.AutoScalingGroupName ?? '?';
  const rows: DoctorCheck[] = [];
  const hooks = await probes.hooks(asg);
  const byName = new Map(hooks.map((h) => [h.LifecycleHookName, h]));
  for (const [label, name, transition] of [
    ['launch hook', config.launchHookName, LAUNCHING],
    ['terminate hook', config.terminateHookName, TERMINATING],
  ] as const) {
    const hook = byName.get(name);
    const findings = checkHook(asg, { name, transition, defaultResult: 'CONTINUE' }, hook);
    const errors = findings.filter((f) => f.severity === 'error');
    const warnings = findings.filter((f) => f.severity === 'warning');
    const putHook = `aws autoscaling put-lifecycle-hook --auto-scaling-group-name ${asg} --lifecycle-hook-name ${name} --lifecycle-transition ${transition} --heartbeat-timeout 900 --default-result CONTINUE`;
    if (errors.length > 0) rows.push(fail(label, asg, errors.map((f) => f.problem).join('; '), putHook));
    else if (warnings.length > 0) rows.push(warn(label, asg, warnings.map((f) => f.problem).join('; '), putHook));
    else rows.push(pass(label, asg, `${name}: heartbeat ${hook?.HeartbeatTimeout}s (≥ ${MIN_HEARTBEAT_TIMEOUT_SEC}), default ${hook?.DefaultResult}`));
  }

  const tagProblems: string[] = [];
  const role = tagOf(g, 'hashistack:role');
  if (role !== 'server' && role !== 'client')
    tagProblems.push(`hashistack:role is ${role === undefined ? 'missing' : JSON.stringify(role)} (server or client)`);
  if (!tagOf(g, 'hashistack:pool')) tagProblems.push('hashistack:pool is missing');
  for (const key of ['hashistack:drain-deadline', 'hashistack:join-timeout']) {
    const v = tagOf(g, key);
    if (v !== undefined && parseDuration(v) === undefined) tagProblems.push(`${key} ${JSON.stringify(v)} is not a Go duration like "45m"`);
  }
  tagProblems.push(...systemsTagProblems(config, g, role));
  rows.push(
    tagProblems.length > 0
      ? fail(
          'tags',
          asg,
          tagProblems.join('; '),
          `aws autoscaling create-or-update-tags --tags ResourceId=${asg},ResourceType=auto-scaling-group,Key=<key>,Value=<value>,PropagateAtLaunch=true (README: ASG tags)`,
        )
      : pass('tags', asg, `role ${role}, pool ${tagOf(g, 'hashistack:pool')}`),
  );

  const lt = g.LaunchTemplate ?? g.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
  if (!lt?.LaunchTemplateId) {
    rows.push(
      fail(
        'launch template',
        asg,
        'the group launches no launch template (a launch configuration?)',
        'use a launch template tagged hashistack:cluster, version $Default (examples/terraform)',
      ),
    );
  } else if (lt.Version !== '$Default' && lt.Version !== '$Latest') {
    rows.push(
      fail(
        'launch template',
        asg,
        `pinned to version ${lt.Version ?? '(none)'}: upgrades refuse the group`,
        `aws autoscaling update-auto-scaling-group --auto-scaling-group-name ${asg} --launch-template LaunchTemplateId=${lt.LaunchTemplateId},Version='$Default' (Terraform: version = "$Default" and ignore_changes, examples/terraform)`,
      ),
    );
  } else {
    const tags = await probes.launchTemplateTags(lt.LaunchTemplateId);
    if (tags?.['hashistack:cluster'] !== config.clusterName)
      rows.push(
        fail(
          'launch template',
          asg,
          `${lt.LaunchTemplateId} is ${tags ? 'not tagged' : 'not found, so not tagged'} hashistack:cluster=${config.clusterName}: upgrades may not write its versions`,
          `aws ec2 create-tags --resources ${lt.LaunchTemplateId} --tags Key=hashistack:cluster,Value=${config.clusterName}`,
        ),
      );
    else rows.push(pass('launch template', asg, `${lt.LaunchTemplateId} ${lt.Version}, tagged for the cluster`));
  }
  return rows;
}

const SYSTEMS = ['nomad', 'consul', 'vault'] as const;
type System = (typeof SYSTEMS)[number];

/** The systems the control plane calls: Vault only when it manages Vault (vaultEnabled). */
const managed = (config: Pick<DoctorConfig, 'vaultEnabled'>): System[] => SYSTEMS.filter((s) => s !== 'vault' || config.vaultEnabled);

/** `hashistack:systems`: server groups only, known system names, and none the cluster does not manage. */
function systemsTagProblems(config: DoctorConfig, g: AutoScalingGroup, role: string | undefined): string[] {
  const raw = tagOf(g, SYSTEMS_TAG);
  if (raw === undefined) return [];
  if (role !== 'server') return [`${SYSTEMS_TAG} is set on a ${role ?? 'role-less'} group; only server groups run raft systems`];
  const parsed = parseSystemsTag(raw);
  if ('problem' in parsed) return [parsed.problem];
  const unmanaged = parsed.systems.filter((s) => !clusterSystems(config).includes(s));
  return unmanaged.length ? [`${SYSTEMS_TAG} names ${unmanaged.join(', ')}, which this control plane does not manage (vaultEnabled: false)`] : [];
}

async function tokenParameterChecks(config: DoctorConfig, probes: DoctorProbes): Promise<DoctorCheck[]> {
  return Promise.all(
    managed(config).map(async (system) => {
      const name = config.tokenParameters[system] ?? '';
      try {
        const value = await probes.secureString(name);
        return value.trim() === ''
          ? fail(
              'token parameter',
              system,
              `${name} is empty`,
              `aws ssm put-parameter --overwrite --type SecureString --name ${name} --value <${system} token>`,
            )
          : pass('token parameter', system, `${name} readable and decrypted`);
      } catch (error) {
        return fail(
          'token parameter',
          system,
          `${name}: ${message(error)}`,
          `aws ssm put-parameter --type SecureString --name ${name} --value <${system} token> (KMS key: tokenParameterKmsKey)`,
        );
      }
    }),
  );
}

async function reachabilityChecks(config: DoctorConfig, probes: DoctorProbes): Promise<{ rows: DoctorCheck[]; all: boolean }> {
  const address = { nomad: config.nomadAddr, consul: config.consulAddr, vault: config.vaultAddr };
  const here = await probeReachability(probes.anonymous, address, managed(config));
  const rows = here.map((r) => reachabilityRow('reachable', r, `security groups and DNS from here; TLS: trust the cluster CA here with NODE_EXTRA_CA_CERTS`));
  try {
    const fromLambdas = await probes.fromLambdas();
    rows.push(
      ...fromLambdas.map((r) =>
        reachabilityRow(
          'reachable from Lambdas',
          r,
          `the Lambdas' subnets (vpc in config) need a route, security group rules and DNS to ${r.address}; TLS against layers/cluster-ca/cluster-ca.pem`,
        ),
      ),
    );
  } catch (error) {
    rows.push(
      fail(
        'reachable from Lambdas',
        'reachabilityProbe',
        `the probe Lambda could not be asked: ${message(error)}`,
        'deploy the stack for this stage, and run the doctor with credentials allowed lambda:InvokeFunction on <service>-<stage>-reachabilityProbe',
      ),
    );
  }
  return { rows, all: here.every((r) => r.reachable) };
}

function reachabilityRow(check: string, r: Reachability, networkFix: string): DoctorCheck {
  if (r.reachable) return pass(check, r.system, `${r.address}: ${r.detail}`);
  const fix =
    r.problem === 'cluster'
      ? r.system === 'vault'
        ? 'unseal Vault (or point vaultAddr at an unsealed node)'
        : `restore the ${r.system} servers' quorum`
      : `${r.system} must answer at ${r.address}: ${networkFix}`;
  return fail(check, r.system, `${r.address}: ${r.detail}`, fix);
}

/** The workflows the groups run: client ones with a client group, server ones with a server group. */
function workflowsOf(groups: AutoScalingGroup[]): Workflow[] {
  const roles = new Set(groups.map((g) => (tagOf(g, 'hashistack:role') === 'server' ? 'server' : 'client')));
  return [
    ...(roles.has('client') ? (['drain-client', 'join-client'] as const) : []),
    ...(roles.has('server') ? (['server-removal', 'join-server'] as const) : []),
  ];
}

async function permissionChecks(probes: DoctorProbes, workflows: Workflow[], systems: System[]): Promise<DoctorCheck[]> {
  let findings: Awaited<ReturnType<typeof checkTokenPermissions>>;
  try {
    findings = await checkTokenPermissions(probes.clients, workflows, systems);
  } catch (error) {
    return [fail('token capabilities', 'all', message(error), 'see examples/acl/')];
  }
  return systems.map((system) => {
    const mine = findings.filter((f) => f.system === system);
    if (mine.length === 0) return pass('token capabilities', system, `grants everything ${workflows.join(', ')} need`);
    return fail(
      'token capabilities',
      system,
      mine.map((f) => `lacks ${f.missing} (${f.workflows.join(', ')}): ${f.detail}`).join('; '),
      `attach examples/acl/${system}-control-plane.policy.hcl to the token`,
    );
  });
}

async function versionChecks(probes: DoctorProbes, systems: System[]): Promise<DoctorCheck[]> {
  const versions: Record<System, string[]> = { nomad: [], consul: [], vault: [] };
  const rows: DoctorCheck[] = [];
  try {
    versions.nomad = (await probes.clients.nomad.agentMembers()).Members.map((m) => m.Tags?.build ?? '').filter(Boolean);
    versions.consul = (await probes.clients.consul.members()).map((m) => m.Tags.build ?? '').filter(Boolean);
    if (systems.includes('vault')) versions.vault = [(await probes.clients.vault.health()).version ?? ''].filter(Boolean);
  } catch (error) {
    return [fail('versions', 'all', message(error), 'the tokens need agent/node read (examples/acl/)')];
  }
  for (const system of systems) {
    const seen = [...new Set(versions[system].map((v) => v.split(/[:+]/)[0] as string))];
    const min = MIN_VERSIONS[system];
    const old = seen.filter((v) => compareVersions(v, min.version) < 0);
    if (seen.length === 0) rows.push(warn('versions', system, 'no version reported', `check that ${system} answers its members/health`));
    else if (old.length > 0)
      rows.push(fail('versions', system, `${old.join(', ')} below ${min.version}, needed for ${min.why}`, `upgrade ${system} to ${min.version} or later`));
    else rows.push(pass('versions', system, `${seen.join(', ')} (≥ ${min.version})`));
  }
  return rows;
}

async function ssmAgentChecks(probes: DoctorProbes, groups: AutoScalingGroup[]): Promise<DoctorCheck[]> {
  const instances = groups.flatMap((g) => (g.Instances ?? []).filter((i) => i.LifecycleState === 'InService').map((i) => i.InstanceId ?? ''));
  if (instances.length === 0) return [];
  let status: Map<string, string>;
  try {
    status = await probes.ssmPingStatus(instances);
  } catch (error) {
    return [
      fail('ssm agent', 'all', `DescribeInstanceInformation failed: ${message(error)}`, 'grant ssm:DescribeInstanceInformation to whoever runs the doctor'),
    ];
  }
  const bad = instances.filter((id) => status.get(id) !== 'Online');
  if (bad.length === 0) return [pass('ssm agent', `${instances.length} nodes`, 'Online on every InService node')];
  return bad.map((id) =>
    fail(
      'ssm agent',
      id,
      status.has(id) ? `PingStatus ${status.get(id)}` : 'not a managed node (the agent never registered)',
      'run the SSM agent on every node (rc-update add amazon-ssm-agent; rc-service amazon-ssm-agent start), instance profile with AmazonSSMManagedInstanceCore, HTTPS to the ssm/ssmmessages/ec2messages endpoints',
    ),
  );
}

/** Every InService client is a ready Nomad node with the AWS fingerprint, every InService node a Consul member with instance_id meta. */
async function nodeConventionChecks(probes: DoctorProbes, groups: AutoScalingGroup[]): Promise<DoctorCheck[]> {
  const rows: DoctorCheck[] = [];
  let checked = 0;
  for (const g of groups) {
    const client = tagOf(g, 'hashistack:role') !== 'server';
    for (const i of (g.Instances ?? []).filter((x) => x.LifecycleState === 'InService')) {
      const id = i.InstanceId ?? '';
      checked++;
      if (client) {
        const node = await probes.clients.nomad.findNodeByInstanceId(id);
        const problem = !node
          ? 'no Nomad node with unique.platform.aws.instance-id'
          : node.Status !== 'ready'
            ? `Nomad node ${node.Name} is ${node.Status}`
            : undefined;
        if (problem) rows.push(fail('node conventions', id, problem, 'Nomad clients run with the AWS fingerprinter and register (README: Node conventions)'));
      }
      if (!(await probes.clients.consul.findNodeByInstanceId(id, null)))
        rows.push(
          warn(
            'node conventions',
            id,
            'no Consul node with meta instance_id (the control plane falls back to the private IP)',
            'set node_meta { instance_id = "<instance id>" } in the Consul agent config',
          ),
        );
    }
  }
  if (rows.length === 0 && checked > 0)
    rows.push(pass('node conventions', `${checked} nodes`, 'every node found by instance id in Consul (and Nomad, clients)'));
  return rows;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

function message(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
