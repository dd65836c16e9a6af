/**
 * `@smithy/core/event-streams` as the Lambda bundles' dynamic import sees it
 * (see esbuild-plugins.cjs): no operation the control plane calls streams
 * events, so the codec is not bundled and an operation that needs it fails
 * saying so.
 */
const notBundled = () => {
  throw new Error('AWS SDK event streams are not in this bundle: no operation the control plane calls streams events (plugins/esbuild-plugins.cjs)');
};

export class EventStreamSerde {
  constructor() {
    notBundled();
  }
}

export const eventStreamSerdeProvider = notBundled;
