/**
 * A small go-bexpr evaluator for `?filter=`: selectors (`Status`,
 * `Meta.instance_id`, `Attributes["unique.platform.aws.instance-id"]`),
 * `==`, `!=`, `contains`, `is empty`, `is not empty`, combined with `and`,
 * `or`, `not` and parentheses.
 */
export type Filter = (subject: unknown) => boolean;

/** A filter that could not be parsed; the APIs answer 400 with its message. */
export class FilterSyntaxError extends Error {}

type Token = { kind: 'ident' | 'string' | 'number' | 'op' | 'punct'; value: string };

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"' || c === '`') {
      let j = i + 1;
      let value = '';
      while (j < input.length && input[j] !== c) {
        if (input[j] === '\\' && c === '"' && j + 1 < input.length) j++;
        value += input[j];
        j++;
      }
      if (j >= input.length) throw new FilterSyntaxError(`unterminated string at offset ${i}`);
      tokens.push({ kind: 'string', value });
      i = j + 1;
    } else if (input.startsWith('==', i) || input.startsWith('!=', i)) {
      tokens.push({ kind: 'op', value: input.slice(i, i + 2) });
      i += 2;
    } else if ('()[].'.includes(c)) {
      tokens.push({ kind: 'punct', value: c });
      i++;
    } else if (/[A-Za-z0-9_\-]/.test(c)) {
      let j = i;
      while (j < input.length && /[A-Za-z0-9_\-]/.test(input[j] as string)) j++;
      const word = input.slice(i, j);
      tokens.push({ kind: /^\d+$/.test(word) ? 'number' : 'ident', value: word });
      i = j;
    } else {
      throw new FilterSyntaxError(`unexpected character ${JSON.stringify(c)} at offset ${i}`);
    }
  }
  return tokens;
}

/** Parse a filter expression; throws {@link FilterSyntaxError}. */
export function parseFilter(expression: string): Filter {
  const tokens = tokenize(expression);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isWord = (w: string): boolean => peek()?.kind === 'ident' && peek()?.value.toLowerCase() === w;
  const expect = (value: string): void => {
    if (peek()?.value !== value) throw new FilterSyntaxError(`expected ${value} at token ${pos}`);
    pos++;
  };

  const selector = (): string[] => {
    const first = peek();
    if (first?.kind !== 'ident') throw new FilterSyntaxError(`expected a selector at token ${pos}`);
    pos++;
    const path = [first.value];
    for (;;) {
      if (peek()?.value === '.') {
        pos++;
        const t = peek();
        if (!t || (t.kind !== 'ident' && t.kind !== 'number')) throw new FilterSyntaxError(`expected a field after . at token ${pos}`);
        path.push(t.value);
        pos++;
      } else if (peek()?.value === '[') {
        pos++;
        const t = peek();
        if (t?.kind !== 'string') throw new FilterSyntaxError(`expected a quoted key at token ${pos}`);
        path.push(t.value);
        pos++;
        expect(']');
      } else {
        return path;
      }
    }
  };

  const value = (): string => {
    const t = peek();
    if (!t || (t.kind !== 'string' && t.kind !== 'number' && t.kind !== 'ident')) throw new FilterSyntaxError(`expected a value at token ${pos}`);
    pos++;
    return t.value;
  };

  const comparison = (): Filter => {
    const path = selector();
    const t = peek();
    if (t?.kind === 'op') {
      pos++;
      const v = value();
      return t.value === '==' ? (s) => asText(resolve(s, path)) === v : (s) => asText(resolve(s, path)) !== v;
    }
    if (isWord('contains')) {
      pos++;
      const v = value();
      return (s) => {
        const x = resolve(s, path);
        if (Array.isArray(x)) return x.some((e) => asText(e) === v);
        if (typeof x === 'string') return x.includes(v);
        return isRecord(x) ? v in x : false;
      };
    }
    if (isWord('is')) {
      pos++;
      const negate = isWord('not');
      if (negate) pos++;
      if (!isWord('empty')) throw new FilterSyntaxError(`expected empty at token ${pos}`);
      pos++;
      return (s) => isEmpty(resolve(s, path)) !== negate;
    }
    throw new FilterSyntaxError(`expected an operator at token ${pos}`);
  };

  const unary = (): Filter => {
    if (isWord('not')) {
      pos++;
      const inner = unary();
      return (s) => !inner(s);
    }
    if (peek()?.value === '(') {
      pos++;
      const inner = or();
      expect(')');
      return inner;
    }
    return comparison();
  };

  const and = (): Filter => {
    let left = unary();
    while (isWord('and')) {
      pos++;
      const l = left;
      const r = unary();
      left = (s) => l(s) && r(s);
    }
    return left;
  };

  const or = (): Filter => {
    let left = and();
    while (isWord('or')) {
      pos++;
      const l = left;
      const r = and();
      left = (s) => l(s) || r(s);
    }
    return left;
  };

  const result = or();
  if (pos !== tokens.length) throw new FilterSyntaxError(`unexpected ${JSON.stringify(peek()?.value)} at token ${pos}`);
  return result;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function resolve(subject: unknown, path: string[]): unknown {
  let current = subject;
  for (const key of path) {
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return current;
}

function asText(x: unknown): string | undefined {
  if (typeof x === 'string') return x;
  if (typeof x === 'number' || typeof x === 'boolean') return String(x);
  return undefined;
}

function isEmpty(x: unknown): boolean {
  if (x === undefined || x === null || x === '') return true;
  if (Array.isArray(x)) return x.length === 0;
  if (isRecord(x)) return Object.keys(x).length === 0;
  return false;
}
