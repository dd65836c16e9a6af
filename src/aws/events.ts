/** Thin wrapper over EventBridge: put one event on the default bus. */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { AwsUnavailable } from '../errors/index.js';
import { awsClientOptions, mapAwsError } from './client-options.js';

let client: EventBridgeClient | undefined;

function eventbridge(): EventBridgeClient {
  client ??= new EventBridgeClient(awsClientOptions());
  return client;
}

/**
 * Put one event on the default bus. PutEvents reports a failed entry in its
 * answer, not as an error: that is turned into AwsUnavailable (retryable).
 */
export async function putEvent(source: string, detailType: string, detail: object, resources: string[] = []): Promise<string> {
  try {
    const out = await eventbridge().send(
      new PutEventsCommand({ Entries: [{ Source: source, DetailType: detailType, Detail: JSON.stringify(detail), Resources: resources }] }),
    );
    const entry = out.Entries?.[0];
    if ((out.FailedEntryCount ?? 0) > 0 || !entry?.EventId)
      throw new AwsUnavailable('events', `PutEvents: ${entry?.ErrorCode ?? 'no event id'}: ${entry?.ErrorMessage ?? ''}`);
    return entry.EventId;
  } catch (error) {
    if (error instanceof AwsUnavailable) throw error;
    throw mapAwsError('events', error);
  }
}
