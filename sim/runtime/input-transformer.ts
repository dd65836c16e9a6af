/**
 * EventBridge input transformers (a rule target's `InputTransformer`): values
 * picked from the event by `InputPathsMap` (JSON paths like `$.detail.name`)
 * replace the `<name>` placeholders of `InputTemplate`. As EventBridge does:
 * inside a quoted JSON string a value is inserted as text (escaped), outside
 * quotes as its JSON value; a path the event lacks gives null (empty text in
 * a string).
 */

export interface InputTransformer {
  InputPathsMap?: Record<string, string>;
  InputTemplate: string;
}

/** The value at a `$.a.b` path of the event, undefined when absent. */
function pick(event: unknown, path: string): unknown {
  if (path === '$') return event;
  let v: unknown = event;
  for (const part of path.replace(/^\$\./, '').split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** The text EventBridge delivers to the target for this event. */
export function applyInputTransformer(transformer: InputTransformer, event: unknown): string {
  const values = new Map(Object.entries(transformer.InputPathsMap ?? {}).map(([name, path]) => [name, pick(event, path)]));
  let out = '';
  let inString = false;
  const t = transformer.InputTemplate;
  for (let i = 0; i < t.length; i++) {
    const c = t[i] as string;
    if (c === '<') {
      const end = t.indexOf('>', i);
      const name = end > i ? t.slice(i + 1, end) : '';
      if (values.has(name)) {
        const v = values.get(name);
        if (inString)
          out += v === undefined || v === null ? '' : typeof v === 'string' ? JSON.stringify(v).slice(1, -1) : JSON.stringify(JSON.stringify(v)).slice(1, -1);
        else out += v === undefined ? 'null' : JSON.stringify(v);
        i = end;
        continue;
      }
    }
    if (c === '"' && t[i - 1] !== '\\') inString = !inString;
    out += c;
  }
  return out;
}
