import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** Directory the IAM decisions of every process go to (JSON lines), when set. */
export const USAGE_DIR_ENV = 'SIM_IAM_USAGE_DIR';

export interface UsageLine {
  principal: string;
  action: string;
  resource: string;
  allowed: boolean;
}

export interface CountsLine {
  evaluations: number;
  adminRequests: number;
  denials: number;
}

/**
 * The least-privilege report's input: each (principal, action, resource,
 * decision) once per process, appended to `<dir>/<pid>.jsonl`, plus the
 * process's evaluation counts. Vitest runs files in several processes; the
 * report aggregates the directory.
 */
/** Lines already written by this process (several simulations run in one vitest worker). */
const seen = new Set<string>();

export class UsageLog {
  private readonly file: string | undefined;

  /** `null`: record nothing (a simulation whose calls are not the control plane's own). */
  constructor(dir: string | null | undefined = process.env[USAGE_DIR_ENV]) {
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, `${process.pid}.jsonl`);
  }

  record(line: UsageLine): void {
    if (!this.file) return;
    const key = `${line.principal}|${line.action}|${line.resource}|${line.allowed}`;
    if (seen.has(key)) return;
    seen.add(key);
    appendFileSync(this.file, `${JSON.stringify(line)}\n`);
  }

  flushCounts(counts: CountsLine): void {
    if (!this.file) return;
    appendFileSync(this.file, `${JSON.stringify(counts)}\n`);
  }
}
