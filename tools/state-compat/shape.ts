/**
 * A value's shape: its key paths and their JSON types, array elements
 * merged, values left out. Two events of one shape test the same fields.
 */
export function shapeOf(value: unknown): string {
  return [...paths(value, '$')].sort().join(',');
}

function* paths(value: unknown, at: string): Generator<string> {
  if (Array.isArray(value)) {
    yield `${at}:array`;
    for (const item of value) yield* paths(item, `${at}[]`);
  } else if (value !== null && typeof value === 'object') {
    yield `${at}:object`;
    for (const [k, v] of Object.entries(value)) yield* paths(v, `${at}.${k}`);
  } else {
    yield `${at}:${value === null ? 'null' : typeof value}`;
  }
}
