import type { Faults } from '../core/faults.js';
import type { NodeShell } from '../core/bus.js';
import type { SimClock } from '../core/clock.js';
import type { Rng } from '../core/rng.js';
import { CONSUL_STATUS_CODE, runsAgent, type AgentName, type Host } from './cluster/state.js';
import type { HashistackWorld } from './cluster/world.js';

interface LineResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Sim time one command line takes on the node (uniform, seeded). */
const LINE_MS = { min: 200, max: 1_500 } as const;
/** Shell builtins take no noticeable time. */
const SHELL_BUILTINS = new Set(['set', 'true', 'echo', 'exit']);
const SERVICES: readonly AgentName[] = ['consul', 'nomad', 'vault'];

/**
 * The shell SSM Run Command reaches on a simulated node (Alpine, OpenRC).
 * Lines run in order and the script stops at the first failing one.
 */
export class HashistackShell implements NodeShell {
  private readonly rng: Rng;

  constructor(
    private readonly world: HashistackWorld,
    private readonly clock: SimClock,
    rng: Rng,
    private readonly faults?: Faults,
  ) {
    this.rng = rng.fork('shell');
  }

  isOnline(instanceId: string): boolean {
    return this.world.hosts.get(instanceId)?.os === 'up';
  }

  async run(instanceId: string, script: string): Promise<LineResult> {
    let stdout = '';
    let stderr = '';
    for (const raw of script.split('\n')) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const host = this.world.hosts.get(instanceId);
      if (!host || host.os !== 'up') return { exitCode: 137, stdout, stderr: `${stderr}Killed\n` };
      const [first, fallback] = line.split(/\s*\|\|\s*/, 2) as [string, string | undefined];
      const builtin = SHELL_BUILTINS.has(first.split(/\s+/)[0] ?? '');
      if (!builtin) await this.clock.sleep(this.rng.int(LINE_MS.min, LINE_MS.max));
      let r = await this.runLine(host, first);
      if (r.exitCode !== 0 && fallback !== undefined) r = await this.runLine(host, fallback);
      stdout += r.stdout;
      stderr += r.stderr;
      if (r.exitCode !== 0) return { exitCode: r.exitCode, stdout, stderr };
    }
    return { exitCode: 0, stdout, stderr };
  }

  private async runLine(host: Host, line: string): Promise<LineResult> {
    if (this.faults?.cluster.failingShellCommands.some((prefix) => line.startsWith(prefix))) {
      return { exitCode: 1, stdout: '', stderr: `${line}: failed (injected fault)\n` };
    }
    const words = line.split(/\s+/);
    const [cmd, ...args] = words;
    switch (cmd) {
      case 'set':
      case 'true':
        return ok('');
      case 'echo':
        return ok(`${args.join(' ')}\n`);
      case 'consul':
        return this.consul(host, args);
      case 'nomad':
        return this.nomad(host, args);
      case 'rc-service':
        return this.rcService(host, args);
      case 'tail':
        return this.tail(host, args);
      default:
        return { exitCode: 127, stdout: '', stderr: `sh: ${cmd ?? ''}: not found\n` };
    }
  }

  private async consul(host: Host, args: string[]): Promise<LineResult> {
    const refused = (path: string): LineResult => fail(`Error: Put "http://127.0.0.1:8500${path}": dial tcp 127.0.0.1:8500: connect: connection refused\n`);
    const [sub, ...rest] = args;
    if (sub === 'leave') {
      if (!host.agents.consul) return refused('/v1/agent/leave');
      if (!host.consulJoined) {
        this.world.stopAgent(host, 'consul');
        return ok('Graceful leave complete\n');
      }
      await new Promise<void>((resolve) => this.world.consulLeave(host, resolve));
      return ok('Graceful leave complete\n');
    }
    if (sub === 'join') {
      if (!host.agents.consul) return refused('/v1/agent/join');
      const addrs = rest.filter((a) => !a.startsWith('-'));
      const reachable = addrs.filter((a) =>
        [...this.world.consul.members.values()].some((m) => m.addr === a.split(':')[0] && m.status === 'alive' && m.instanceId !== host.instance.instanceId),
      );
      if (reachable.length === 0)
        return fail(
          `Error joining address '${addrs.join(' ')}': Unexpected response code: 500 (1 error occurred:\n\t* Failed to join ${addrs[0] ?? ''}:8301: dial tcp ${addrs[0] ?? ''}:8301: i/o timeout\n\n)\nFailed to join any nodes.\n`,
        );
      this.world.consulJoin(host);
      return ok(`Successfully joined cluster by contacting ${reachable.length} nodes.\n`);
    }
    if (sub === 'members') {
      if (!host.agents.consul)
        return fail(
          'Error retrieving members: Get "http://127.0.0.1:8500/v1/agent/members?segment=_all": dial tcp 127.0.0.1:8500: connect: connection refused\n',
        );
      const statusName = Object.fromEntries(Object.entries(CONSUL_STATUS_CODE).map(([k]) => [k, k]));
      const rows = [...this.world.consul.members.values()].map(
        (m) =>
          `${m.name}  ${m.addr}:${m.port}  ${statusName[m.status] ?? m.status}  ${m.tags.role === 'consul' ? 'server' : 'client'}  ${m.tags.build ?? ''}  2  ${m.tags.dc ?? ''}  default  <default>`,
      );
      return ok(`Node  Address  Status  Type  Build  Protocol  DC  Partition  Segment\n${rows.join('\n')}\n`);
    }
    return fail(`Usage: consul [--version] [--help] <command> [<args>]\n`, 1);
  }

  private nomad(host: Host, args: string[]): LineResult {
    if (args[0] !== 'node' || args[1] !== 'status' || !args.includes('-self'))
      return fail('Usage: nomad [-version] [-help] [-autocomplete-(un)install] <command> [args]\n');
    if (!host.agents.nomad)
      return fail('Error querying agent info: Get "http://127.0.0.1:4646/v1/agent/self": dial tcp 127.0.0.1:4646: connect: connection refused\n');
    const node = this.world.nomad.nodes.get(host.nomadNodeId);
    if (!node) return fail('Error querying node: Unexpected response code: 404 (node not found)\n');
    return ok(
      [
        `ID              = ${node.ID.slice(0, 8)}`,
        `Name            = ${node.Name}`,
        `Node Pool       = ${node.NodePool}`,
        `Class           = ${node.NodeClass || '<none>'}`,
        `DC              = ${node.Datacenter}`,
        `Drain           = ${node.Drain}`,
        `Eligibility     = ${node.SchedulingEligibility}`,
        `Status          = ${node.Status}`,
        '',
      ].join('\n'),
    );
  }

  private rcService(host: Host, args: string[]): LineResult {
    const [service, action] = args;
    const agent = SERVICES.find((s) => s === service);
    if (!agent || !runsAgent(host, agent)) return fail(` * rc-service: service \`${service ?? ''}' does not exist\n`);
    const running = host.agents[agent];
    switch (action) {
      case 'status':
        return running ? ok(' * status: started\n') : { exitCode: 3, stdout: ' * status: stopped\n', stderr: '' };
      case 'start':
        if (running) return ok(` * WARNING: ${agent} has already been started\n`);
        this.world.startAgent(host, agent);
        return ok(` * Starting ${agent} ... [ ok ]\n`);
      case 'stop':
        if (!running) return ok(` * WARNING: ${agent} is already stopped\n`);
        if (agent === 'nomad' && host.role === 'server') this.world.nomadServerLeave(host);
        else this.world.stopAgent(host, agent);
        return ok(` * Stopping ${agent} ... [ ok ]\n`);
      case 'restart':
        this.world.stopAgent(host, agent);
        this.world.startAgent(host, agent);
        return ok(` * Stopping ${agent} ... [ ok ]\n * Starting ${agent} ... [ ok ]\n`);
      default:
        return fail(` * rc-service: unknown action \`${action ?? ''}'\n`);
    }
  }

  private tail(host: Host, args: string[]): LineResult {
    let n = 10;
    let file: string | undefined;
    for (let i = 0; i < args.length; i++) {
      const a = args[i] ?? '';
      if (a === '-n') n = Number(args[++i] ?? '10');
      else if (/^-\d+$/.test(a)) n = Number(a.slice(1));
      else file = a;
    }
    const match = /^\/var\/log\/(consul|nomad|vault)\/\1\.log$/.exec(file ?? '');
    const agent = match?.[1];
    if (agent !== 'consul' && agent !== 'nomad' && agent !== 'vault') return fail(`tail: can't open '${file ?? ''}': No such file or directory\n`);
    const lines = host.logs[agent].slice(-Math.max(0, n));
    return ok(lines.length > 0 ? `${lines.join('\n')}\n` : '');
  }
}

function ok(stdout: string): LineResult {
  return { exitCode: 0, stdout, stderr: '' };
}

function fail(stderr: string, exitCode = 1): LineResult {
  return { exitCode, stdout: '', stderr };
}
