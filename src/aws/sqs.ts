/** Thin wrapper over SQS: the dead-letter queue of the lifecycle router (receive, delete). */
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { awsClientOptions, awsErrorName, mapAwsError } from './client-options.js';

let client: SQSClient | undefined;

/** The SQS client of this container, created on first use. */
export function sqsClient(): SQSClient {
  client ??= new SQSClient(awsClientOptions());
  return client;
}

/** One received message. */
export interface QueueMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  /** How many times SQS has handed this message out (ApproximateReceiveCount). */
  receiveCount: number;
}

/**
 * Receive up to `max` (≤ 10) messages without waiting (short poll); each is
 * hidden for `visibilitySeconds` and comes back unless deleted.
 */
export async function receiveMessages(queueUrl: string, max: number, visibilitySeconds: number): Promise<QueueMessage[]> {
  try {
    const out = await sqsClient().send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: max,
        VisibilityTimeout: visibilitySeconds,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    return (out.Messages ?? []).map((m) => ({
      messageId: m.MessageId ?? '',
      receiptHandle: m.ReceiptHandle ?? '',
      body: m.Body ?? '',
      receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 1),
    }));
  } catch (error) {
    throw mapAwsError('sqs', error);
  }
}

/** Delete a handled message; a receipt handle that expired meanwhile is no error (the message comes back and is handled again, idempotently). */
export async function deleteMessage(queueUrl: string, receiptHandle: string): Promise<void> {
  try {
    await sqsClient().send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle }));
  } catch (error) {
    if (awsErrorName(error) === 'ReceiptHandleIsInvalid') return;
    throw mapAwsError('sqs', error);
  }
}
