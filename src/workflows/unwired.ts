/**
 * A dependency a function's step never calls, left out of its bundle (an AWS
 * SDK client is most of a bundle's size and cold-start CPU). Reaching it
 * anyway is a wiring bug: it fails loudly, naming the dependency.
 */
export function unwired<T extends object>(name: string): T {
  return wiredOnly<T>(name, {});
}

/**
 * The operations of dependency `name` a step wires (its handler imports just
 * these, so the bundle carries only their SDK commands and schemas; the
 * function's IAM statements grant the same actions). Any other operation
 * throws when reached, naming it, instead of being bundled for nothing.
 */
export function wiredOnly<T extends object>(name: string, part: Partial<T> | undefined): T {
  const wired: Partial<T> = part ?? {};
  return new Proxy(wired as T, {
    get(target, property) {
      // Not operations: what awaiting (then) or serialising (toJSON) a dependency looks up.
      if (typeof property === 'symbol' || property === 'then' || property === 'toJSON') return undefined;
      if (Object.hasOwn(target, property)) return target[property as keyof T];
      throw new Error(`${name}.${property} is not wired into this function: add it to its dependencies`);
    },
  });
}

/** What a step's handler wires of each of the AWS wrappers `K` of dependencies `D`: only the operations its code calls. */
export type StepWiring<D, K extends keyof D> = { [P in K]?: Partial<D[P]> };
