/**
 * `@smithy/core/event-streams` as the Lambda bundles see it (see
 * esbuild-plugins.cjs): no operation the control plane calls streams events,
 * so the codec is not bundled and an operation that needs it fails saying
 * so. A client whose configuration builds the marshaller (S3) gets one that
 * fails the same way when used.
 */
const notBundled = () => {
  throw new Error('AWS SDK event streams are not in this bundle: no operation the control plane calls streams events (plugins/esbuild-plugins.cjs)');
};

export class EventStreamSerde {
  constructor() {
    notBundled();
  }
}

const marshaller = { serialize: notBundled, deserialize: notBundled };

export const eventStreamSerdeProvider = () => marshaller;

/** As the SDK's own (eventstream-serde-config-resolver): the configuration's marshaller from its provider. */
export const resolveEventStreamSerdeConfig = (input) => Object.assign(input, { eventStreamMarshaller: input.eventStreamSerdeProvider(input) });
