/**
 * esbuild plugins of the Lambda bundles (serverless.yml custom.esbuild.plugins;
 * bench/bundles.ts measures the same). Each one keeps out code the handler
 * never runs; what the handler runs is unchanged.
 */
const { readFile } = require('node:fs/promises');
const { join } = require('node:path');

/**
 * The AWS SDK's schema modules (one per client, `schemas/schemas_0.js`) name
 * their members through computed keys (`{ [_xN]: _TSa }`, `_xN` a string
 * constant of the same module). esbuild treats a computed key as a possible
 * side effect and keeps every schema of the service: the whole EC2 model
 * (535 KB minified) for one DescribeInstances. Writing the constant's value
 * as a plain key makes the literals pure, so only the schemas a command
 * reaches are bundled. Same objects, same keys.
 *
 * The modelled errors are registered by module-level calls, which keep every
 * error class and schema of the service (SSM: 140 of them, 60 KB). Left
 * unregistered, an error answer is the service's base exception with `name`
 * set to the error code and the answer's message and metadata (the SDK's own
 * fallback for codes it does not know): the control plane only reads `name`,
 * message and status (src/aws/client-options.ts), and
 * test/sim/aws/bundled-clients.test.ts checks the codes it decides on.
 */
const pureSdkSchemas = {
  name: 'pure-sdk-schemas',
  setup(build) {
    build.onLoad({ filter: /[\\/]@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/](?:.*[\\/])?schemas[\\/]schemas_\d+\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const constants = new Map();
      for (const m of source.matchAll(/^const (_\w+) = ("(?:[^"\\\n]|\\.)*");$/gm)) constants.set(m[1], m[2]);
      const contents = source
        .replace(/\[(_\w+)\]:/g, (key, name) => (constants.has(name) ? `${constants.get(name)}:` : key))
        .replace(/^(\w+_registry)\.registerError\((\w+)\$, \2\);$/gm, (line, registry, error) =>
          registry === '_s_registry' ? line : `/* ${error}: an answer with this code gets the service's base exception, named after the code */`,
        );
      return { contents, loader: 'js' };
    });
  },
};

/**
 * On Lambda the function role's credentials are in the environment
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), the first
 * source of the SDK's default chain. The rest of the chain (profiles, SSO,
 * STS web identity, container and instance metadata) pulls in four nested
 * SDK clients (about 80 KB) that a Lambda never calls: the bundles resolve
 * `@aws-sdk/credential-provider-node` to the environment source alone.
 */
const lambdaCredentials = {
  name: 'lambda-credentials',
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({ path: join(__dirname, 'lambda-credentials.mjs') }));
  },
};

/**
 * The SDK loads its event-stream codec (about 14 KB minified) only for an
 * operation with an event-stream member, with `import()` so that other
 * operations never load it; a single-file bundle inlines every `import()`.
 * S3's client also imports it statically, to build the event-stream
 * marshaller its configuration carries, which only an event-stream operation
 * (SelectObjectContent) uses (9 KB more in the snapshot functions). No
 * operation the control plane calls streams events, so in the bundles
 * `@smithy/core/event-streams` resolves to a module whose codec fails with a
 * clear error when an operation reaches it; the configuration step itself
 * is the SDK's own (no-event-streams.mjs).
 */
const lazyEventStreams = {
  name: 'lazy-event-streams',
  setup(build) {
    build.onResolve({ filter: /^@smithy\/core\/event-streams$/ }, () => ({ path: join(__dirname, 'no-event-streams.mjs') }));
  },
};

/**
 * The control plane's zod schemas are module-level constants built by calls
 * (`z.object({...})`), which esbuild must keep as possible side effects even
 * where nothing reads them: every Nomad, Consul and Vault response schema
 * (and their CPU at import) was in every function that reaches one endpoint.
 * zod's constructors only build objects, so in the bundles each `z.…(` call
 * of a module that imports src/validation/zod is marked pure: a schema no
 * code of the function reaches is left out; the schemas it reaches are built
 * at import as before. `z.config` (zod.ts, the messages' locale) is a real
 * side effect and is left alone, as is any call not in an expression position
 * (a comment or a string cannot be changed by this).
 */
const pureZodCalls = {
  name: 'pure-zod-calls',
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!/^import \* as z from '[./]*\/?(?:\.\.\/)*validation\/zod\.js';$/m.test(source)) return undefined;
      const contents = source.replace(/(?<=(?:[(,:=?[>]|\breturn|^)\s*)z\.(?!config\b)(?=\w+\()/gm, '/* @__PURE__ */ z.');
      return { contents, loader: 'ts' };
    });
  },
};

module.exports = [pureSdkSchemas, lambdaCredentials, lazyEventStreams, pureZodCalls];
