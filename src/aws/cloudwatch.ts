/** Thin wrapper over CloudWatch: the alarms that gate a rollout. */
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { awsClientOptions, mapAwsError } from './client-options.js';

let client: CloudWatchClient | undefined;

function cloudwatch(): CloudWatchClient {
  client ??= new CloudWatchClient(awsClientOptions());
  return client;
}

/** An alarm as a rollout gate sees it. */
export interface AlarmStatus {
  name: string;
  state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  reason: string;
  /** Seconds per evaluation period. */
  periodSeconds: number | undefined;
}

/** DescribeAlarms takes at most 100 names per request. */
const NAMES_PER_REQUEST = 100;

/** The metric alarms of these names that exist (a missing one is simply absent from the answer). */
export async function describeAlarms(names: readonly string[]): Promise<AlarmStatus[]> {
  const out: AlarmStatus[] = [];
  try {
    for (let i = 0; i < names.length; i += NAMES_PER_REQUEST) {
      let nextToken: string | undefined;
      do {
        const page = await cloudwatch().send(new DescribeAlarmsCommand({ AlarmNames: names.slice(i, i + NAMES_PER_REQUEST), NextToken: nextToken }));
        for (const a of page.MetricAlarms ?? []) {
          out.push({
            name: a.AlarmName ?? '',
            state: (a.StateValue ?? 'INSUFFICIENT_DATA') as AlarmStatus['state'],
            reason: a.StateReason ?? '',
            periodSeconds: a.Period,
          });
        }
        nextToken = page.NextToken;
      } while (nextToken);
    }
  } catch (error) {
    throw mapAwsError('cloudwatch', error);
  }
  return out;
}
