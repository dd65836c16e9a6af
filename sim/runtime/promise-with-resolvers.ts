/**
 * aws-local-stepfunctions needs Promise.withResolvers (Node 22+); on Node 20
 * without it every Task fails with a TypeError that a States.ALL Catch would
 * swallow. Import this module before running a state machine.
 */
if (typeof (Promise as { withResolvers?: unknown }).withResolvers !== 'function') {
  Object.assign(Promise, {
    withResolvers<T>() {
      let resolve!: (v: T) => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

export {};
