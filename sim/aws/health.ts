import type { WorldBus } from '../core/bus.js';
import type { SimClock } from '../core/clock.js';
import type { Recorder } from '../core/recorder.js';
import type { Rng } from '../core/rng.js';
import type { Ec2Model } from './ec2-model.js';
import { SIM_ACCOUNT, SIM_REGION } from './state.js';

/** Instance maintenance event types of AWS Health the simulation sends (AWS Health User Guide, event type codes). */
export type InstanceMaintenanceEventType =
  /** Instance-store backed instance: terminated at the scheduled time. */
  | 'AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED'
  /** EBS-backed instance: stopped at the scheduled time. */
  | 'AWS_EC2_PERSISTENT_INSTANCE_RETIREMENT_SCHEDULED';

export interface HealthDeps {
  clock: SimClock;
  rng: Rng;
  bus: WorldBus;
  recorder: Recorder;
  ec2: Ec2Model;
}

/** RFC 1123, as AWS Health writes startTime/endTime in its EventBridge events ("Sat, 05 Jun 2023 15:10:09 GMT"). */
const rfc1123 = (ms: number): string => new Date(ms).toUTCString();

/**
 * The simulated AWS Health: scheduled instance maintenance. The event is the
 * `AWS Health Event` of the AWS Health EventBridge schema (source
 * `aws.health`, detail eventArn, service EC2, eventTypeCode,
 * eventTypeCategory scheduledChange, startTime/endTime, affectedEntities
 * with each instance id as entityValue; resources list the instance ids). At
 * the scheduled time EC2 retires the instance: terminated (instance store) or
 * stopped (EBS-backed), whatever runs on it.
 */
export class HealthModel {
  private readonly rng: Rng;

  constructor(private readonly deps: HealthDeps) {
    this.rng = deps.rng.fork('health');
  }

  /** Schedule the retirement of instances at `startTime` (epoch ms); the event is sent now. */
  scheduleRetirement(instanceIds: string[], startTime: number, eventTypeCode: InstanceMaintenanceEventType = 'AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED'): string {
    const now = this.deps.clock.now();
    const eventArn = `arn:aws:health:${SIM_REGION}::event/EC2/${eventTypeCode}/${eventTypeCode}_${this.rng.hex(8).toUpperCase()}`;
    const stops = eventTypeCode === 'AWS_EC2_PERSISTENT_INSTANCE_RETIREMENT_SCHEDULED';
    this.deps.recorder.event('health', `${eventTypeCode} for ${instanceIds.join(', ')} at ${new Date(startTime).toISOString()}`);
    this.deps.bus.emit('aws.event', {
      source: 'aws.health',
      detailType: 'AWS Health Event',
      resources: [...instanceIds],
      detail: {
        eventArn,
        service: 'EC2',
        eventTypeCode,
        eventTypeCategory: 'scheduledChange',
        eventScopeCode: 'ACCOUNT_SPECIFIC',
        communicationId: `${this.rng.hex(40)}-1`,
        startTime: rfc1123(startTime),
        endTime: rfc1123(startTime + 7 * 24 * 3_600_000),
        lastUpdatedTime: rfc1123(now),
        statusCode: 'upcoming',
        eventRegion: SIM_REGION,
        eventDescription: [
          {
            language: 'en_US',
            latestDescription: `EC2 has detected degradation of the underlying hardware hosting your Amazon EC2 instance(s) in the ${SIM_REGION} region. Due to this degradation your instance(s) could already be unreachable. We will ${stops ? 'stop' : 'terminate'} your instance(s) after ${rfc1123(startTime)}.`,
          },
        ],
        affectedEntities: instanceIds.map((id) => ({ entityValue: id })),
        affectedAccount: SIM_ACCOUNT,
      },
    });
    for (const id of instanceIds) {
      this.deps.clock.scheduleAt(
        startTime,
        () => {
          const instance = this.deps.ec2.instances.get(id);
          if (instance?.state !== 'running') return;
          this.deps.recorder.event('health', `${id} retired (${stops ? 'stopped' : 'terminated'}) by EC2 at the scheduled time`);
          if (stops) this.deps.ec2.stop(id);
          else this.deps.ec2.terminate(id);
        },
        `health:retire:${id}`,
      );
    }
    return eventArn;
  }
}
