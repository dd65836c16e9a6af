/**
 * EventBridge event-pattern matching for the rules the control plane
 * deploys: exact values, `prefix`, `suffix`, `anything-but`, `exists`,
 * `numeric` and nested objects. A pattern key matches when any of its listed
 * values matches; all keys must match.
 */
export function matchesPattern(pattern: Record<string, unknown>, event: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([key, expected]) => matchField(expected, event[key], key in event));
}

function matchField(expected: unknown, actual: unknown, present: boolean): boolean {
  if (Array.isArray(expected)) {
    const values = Array.isArray(actual) ? actual : [actual];
    return expected.some((rule) => {
      if (rule !== null && typeof rule === 'object') return matchOperator(rule as Record<string, unknown>, actual, present);
      return present && values.some((v) => v === rule);
    });
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
    return matchesPattern(expected as Record<string, unknown>, actual as Record<string, unknown>);
  }
  throw new Error(`invalid event pattern value ${JSON.stringify(expected)}: values must be lists`);
}

function matchOperator(rule: Record<string, unknown>, actual: unknown, present: boolean): boolean {
  const values = Array.isArray(actual) ? actual : [actual];
  if ('exists' in rule) return rule.exists === present;
  if (!present) return false;
  if ('prefix' in rule) return values.some((v) => typeof v === 'string' && v.startsWith(String(rule.prefix)));
  if ('suffix' in rule) return values.some((v) => typeof v === 'string' && v.endsWith(String(rule.suffix)));
  if ('anything-but' in rule) {
    const banned = rule['anything-but'];
    const list = Array.isArray(banned) ? banned : [banned];
    return values.every((v) => !list.includes(v));
  }
  if ('numeric' in rule) {
    const ops = rule.numeric as unknown[];
    return values.some((v) => {
      if (typeof v !== 'number') return false;
      for (let i = 0; i + 1 < ops.length; i += 2) {
        const op = ops[i];
        const n = Number(ops[i + 1]);
        const ok = op === '>' ? v > n : op === '>=' ? v >= n : op === '<' ? v < n : op === '<=' ? v <= n : op === '=' ? v === n : false;
        if (!ok) return false;
      }
      return true;
    });
  }
  throw new Error(`event pattern operator not supported by the simulator: ${JSON.stringify(rule)}`);
}
