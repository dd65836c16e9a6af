/**
 * A dependency a function's step never calls, left out of its bundle (an AWS
 * SDK client is most of a bundle's size and cold-start CPU). Reaching it
 * anyway is a wiring bug: it fails loudly, naming the dependency.
 */
export function unwired<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get(_target, property) {
      if (typeof property === 'symbol' || property === 'then') return undefined;
      throw new Error(`${name}.${property} is not wired into this function: add ${name} to its dependencies`);
    },
  });
}
