/**
 * Step Functions' AWS SDK service integrations
 * (`arn:aws:states:::aws-sdk:<service>:<apiAction>`), as far as the state
 * machines use them. The call goes to the simulated service with the real SDK
 * client, so it runs as the state machine's role (the caller's principal is
 * stamped on the request) and IAM decides as it would on AWS.
 *
 * From the Step Functions developer guide, "Using AWS SDK service
 * integrations": Parameters are the API's, in PascalCase; the result is the
 * API's response; an error is named `<ServiceName>.<ErrorName>` in
 * PascalCase, always with the `Exception` suffix.
 */
import * as autoScaling from '@aws-sdk/client-auto-scaling';
import { LambdaFunctionError } from './lambda.js';

const SDK_RESOURCE = /^arn:aws:states:::aws-sdk:([a-z0-9]+):([a-zA-Z0-9]+)$/;

/** The services whose integrations the simulator serves, by the service name of the resource ARN. */
const SERVICES = {
  autoscaling: { errorPrefix: 'AutoScaling', module: autoScaling as unknown as Record<string, unknown>, client: autoScaling.AutoScalingClient },
} as const;
type SupportedService = keyof typeof SERVICES;
const isSupported = (s: string): s is SupportedService => s in SERVICES;

export const isSdkIntegration = (resource: string): boolean => SDK_RESOURCE.test(resource);

export interface SdkEndpoints {
  region: string;
  endpoints: Record<SupportedService, string>;
  /** The state machine's role session (the simulator's credentials; the principal travels in a header). */
  credentials: { accessKeyId: string; secretAccessKey: string };
}

type Command = new (input: unknown) => unknown;
type Client = { send(command: unknown): Promise<Record<string, unknown>> };

/**
 * The handler of one Task state with an SDK integration resource.
 * @throws at definition time for a service or action the simulator does not serve.
 */
export function sdkIntegration(resource: string, where: string, config: () => SdkEndpoints): (input: unknown) => Promise<unknown> {
  const match = SDK_RESOURCE.exec(resource);
  const [service, action] = [match?.[1] ?? '', match?.[2] ?? ''];
  if (!isSupported(service)) throw new Error(`${where}: the SDK integration for ${service} is not simulated`);
  const spec = SERVICES[service];
  const Command = spec.module[`${action[0]?.toUpperCase() ?? ''}${action.slice(1)}Command`] as Command | undefined;
  if (typeof Command !== 'function') throw new Error(`${where}: ${service} has no API action ${action}`);
  let client: Client | undefined;
  return async (input) => {
    if (client === undefined) {
      const { region, endpoints, credentials } = config();
      client = new spec.client({
        region,
        endpoint: endpoints[service],
        credentials,
        maxAttempts: 1,
      }) as unknown as Client;
    }
    try {
      const { $metadata: _m, ...output } = await client.send(new Command(input ?? {}));
      return output;
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Unknown';
      throw new LambdaFunctionError(
        `${spec.errorPrefix}.${name.endsWith('Exception') ? name : `${name}Exception`}`,
        error instanceof Error ? error.message : String(error),
      );
    }
  };
}
