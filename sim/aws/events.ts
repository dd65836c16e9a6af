/**
 * Simulated EventBridge API (PutEvents), at the wire protocol SDK v3 and the
 * AWS CLI speak: AWS JSON 1.1, `X-Amz-Target: AWSEvents.PutEvents`. Entries
 * go to the default bus (the simulated EventBridge routes them to the rules
 * of serverless.yml); per-entry failures are answered in `Entries` with
 * `FailedEntryCount`, as EventBridge does, not as a request error.
 */
import type { Recorder } from '../core/recorder.js';
import type { Rng } from '../core/rng.js';
import type { SimRequest, SimResponse, SimService } from '../core/http.js';
import type { EventEnvelope } from '../runtime/eventbridge.js';
import { AwsApiError } from './errors.js';
import { jsonAction, jsonError, jsonInput, jsonResponse } from './protocol/json.js';

/** EventBridge's limit on the entries of one PutEvents request. */
const MAX_ENTRIES = 10;
/** EventBridge's limit on the size of one PutEvents request (bytes). */
const MAX_REQUEST_BYTES = 256 * 1024;

type Put = (event: { source: string; detailType: string; detail: Record<string, unknown>; resources: string[] }) => EventEnvelope;

export class EventsService implements SimService {
  readonly name = 'events' as const;
  /** Every entry put through the API, as delivered to the bus. */
  readonly put: EventEnvelope[] = [];
  private readonly rng: Rng;

  constructor(private readonly deps: { rng: Rng; recorder: Recorder; bus: () => Put }) {
    this.rng = deps.rng.fork('events-api');
  }

  actionOf(req: SimRequest): string {
    return jsonAction(req);
  }

  handle(req: SimRequest): SimResponse {
    const requestId = this.rng.uuid();
    try {
      const action = jsonAction(req);
      if (action !== 'PutEvents') throw new AwsApiError('UnknownOperationException', `Unknown operation ${action}`);
      if (Buffer.byteLength(req.body, 'utf8') > MAX_REQUEST_BYTES)
        throw new AwsApiError('ValidationException', 'Total size of the entries in the request is over the limit.');
      const input = jsonInput(req);
      const entries = Array.isArray(input.Entries) ? (input.Entries as Record<string, unknown>[]) : [];
      if (entries.length < 1 || entries.length > MAX_ENTRIES)
        throw new AwsApiError(
          'ValidationException',
          `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${MAX_ENTRIES}`,
        );
      const results = entries.map((e) => this.entry(e));
      return jsonResponse({ FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results }, requestId);
    } catch (error) {
      if (error instanceof AwsApiError) return jsonError(error, requestId);
      if (error instanceof SyntaxError) return jsonError({ status: 400, code: 'SerializationException', message: error.message }, requestId);
      throw error;
    }
  }

  throttled(): SimResponse {
    return jsonError({ status: 400, code: 'ThrottlingException', message: 'Rate exceeded' }, this.rng.uuid());
  }

  serverError(): SimResponse {
    return jsonError({ status: 500, code: 'InternalException', message: 'Internal error' }, this.rng.uuid());
  }

  private entry(e: Record<string, unknown>): { EventId: string } | { ErrorCode: string; ErrorMessage: string } {
    const bus = typeof e.EventBusName === 'string' ? e.EventBusName : 'default';
    if (bus !== 'default' && !bus.endsWith(':event-bus/default'))
      return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${bus} does not exist.` };
    if (typeof e.Source !== 'string' || e.Source === '')
      return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.' };
    if (e.Source.startsWith('aws.')) return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: `Not authorized for the source ${e.Source}.` };
    if (typeof e.DetailType !== 'string' || e.DetailType === '')
      return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.' };
    let detail: unknown;
    try {
      detail = JSON.parse(typeof e.Detail === 'string' ? e.Detail : '');
    } catch {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    const resources = Array.isArray(e.Resources) ? e.Resources.filter((r): r is string => typeof r === 'string') : [];
    const envelope = this.deps.bus()({ source: e.Source, detailType: e.DetailType, detail: detail as Record<string, unknown>, resources });
    this.put.push(envelope);
    this.deps.recorder.event('events', `${e.Source}: ${e.DetailType}`);
    return { EventId: envelope.id };
  }
}
