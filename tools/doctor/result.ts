/** One row of the doctor's table. */
export interface DoctorCheck {
  /** What is checked, e.g. `launch hook`. Stable: tests and runbooks name it. */
  check: string;
  /** Which group, instance, system or parameter. */
  subject: string;
  status: 'pass' | 'fail' | 'warn';
  detail: string;
  /** What to do about a fail or warn (empty on pass). */
  fix: string;
}

export const pass = (check: string, subject: string, detail: string): DoctorCheck => ({ check, subject, status: 'pass', detail, fix: '' });
export const fail = (check: string, subject: string, detail: string, fix: string): DoctorCheck => ({ check, subject, status: 'fail', detail, fix });
export const warn = (check: string, subject: string, detail: string, fix: string): DoctorCheck => ({ check, subject, status: 'warn', detail, fix });

/** The pass/fail table, one row per check, the fix under each failing row. */
export function formatTable(rows: DoctorCheck[]): string {
  const mark = { pass: 'PASS', fail: 'FAIL', warn: 'WARN' } as const;
  const w1 = Math.max(5, ...rows.map((r) => r.check.length));
  const w2 = Math.max(7, ...rows.map((r) => r.subject.length));
  const lines = [`${'check'.padEnd(w1)}  ${'subject'.padEnd(w2)}  result  detail`];
  for (const r of rows) {
    lines.push(`${r.check.padEnd(w1)}  ${r.subject.padEnd(w2)}  ${mark[r.status].padEnd(6)}  ${r.detail}`);
    if (r.fix) lines.push(`${''.padEnd(w1 + w2 + 12)}fix: ${r.fix}`);
  }
  const failed = rows.filter((r) => r.status === 'fail').length;
  const warned = rows.filter((r) => r.status === 'warn').length;
  lines.push('', `${rows.length - failed - warned} passed, ${failed} failed, ${warned} warnings`);
  return lines.join('\n');
}
