/**
 * Typed errors of the control plane. Each has a stable `name`: a Lambda task
 * that throws it fails with that name as the Step Functions error, so the
 * state machines Retry/Catch on it.
 *
 * Retryable (after waiting, by the state machine): {@link ClusterUnreachable},
 * {@link AwsUnavailable}, {@link MutualTlsFailed}. Everything else is final for the execution. The
 * state machines' Retry/Catch lists are generated from these classes
 * (`retryable` decides; statemachines/builder/policy.ts).
 */

/** Base class: each subclass sets a literal `name` (bundlers may rename classes) and says whether waiting helps. */
export abstract class ControlPlaneError extends Error {
  /** True when retrying the same task later may succeed. */
  abstract readonly retryable: boolean;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A Nomad/Consul/Vault API could not be reached or had no leader (after in-Lambda retries). Retryable. */
export class ClusterUnreachable extends ControlPlaneError {
  override readonly name = 'ClusterUnreachable';
  readonly retryable = true;
  constructor(
    readonly service: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${service}: ${message}`, options);
  }
}

/**
 * Mutual TLS with a cluster API failed: the server refused the handshake for
 * want of an acceptable client certificate (TLS alert "certificate required",
 * "bad certificate", "unknown ca", ...), or the configured certificate
 * parameter is missing or does not hold a usable certificate and key. The
 * message names the API and the config key. The HTTP client never repeats
 * the handshake (it would be refused the same way); the workflows wait and
 * run the task again like for an unreachable cluster (retryable), because
 * finishing would let an instance go with its work because of our own
 * configuration, and the fix (putting the parameter) is read at the next run.
 */
export class MutualTlsFailed extends ControlPlaneError {
  override readonly name = 'MutualTlsFailed';
  readonly retryable = true;
  constructor(
    readonly service: string,
    /** The config key of the API's client certificate parameter, e.g. nomadClientCertParameter. */
    readonly configKey: string,
    message: string,
  ) {
    super(`${service}: ${message}`);
  }
}

/** An AWS API was unavailable or throttled past the SDK's retries. Retryable. */
export class AwsUnavailable extends ControlPlaneError {
  override readonly name = 'AwsUnavailable';
  readonly retryable = true;
  constructor(
    readonly service: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${service}: ${message}`, options);
  }
}

/** The workflow gave up (GIVE_UP_AFTER elapsed without progress). Final. */
export class GiveUp extends ControlPlaneError {
  override readonly name = 'GiveUp';
  readonly retryable = false;
}

/** An event or task input did not match its schema. Final. */
export class InvalidInput extends ControlPlaneError {
  override readonly name = 'InvalidInput';
  readonly retryable = false;
}

/** An environment variable is missing or invalid. Final. */
export class ConfigError extends ControlPlaneError {
  override readonly name = 'ConfigError';
  readonly retryable = false;
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

/** An upstream API answered with an unexpected status or body. Final. */
export class UpstreamError extends ControlPlaneError {
  override readonly name = 'UpstreamError';
  readonly retryable = false;
  constructor(
    readonly service: string,
    readonly status: number,
    detail: string,
  ) {
    super(`${service} answered ${status}: ${detail}`);
  }
}

/** 403 / AccessDenied: the token or IAM role lacks a permission. Final. */
export class PermissionDenied extends ControlPlaneError {
  override readonly name = 'PermissionDenied';
  readonly retryable = false;
  constructor(
    readonly service: string,
    detail: string,
  ) {
    super(`${service}: permission denied: ${detail}`);
  }
}

/**
 * A cluster API answered with a redirect. Never followed: the request carries
 * the ACL token, which a redirect (to plain http, or another host) would hand
 * over. Final: an address to fix, or a man in the middle.
 */
export class RedirectRefused extends ControlPlaneError {
  override readonly name = 'RedirectRefused';
  readonly retryable = false;
  constructor(
    readonly service: string,
    readonly status: number,
    detail: string,
  ) {
    super(`${service}: redirect refused (${status}): ${detail}`);
  }
}

/** 404: the object does not exist. Final (callers usually treat it as an answer). */
export class NotFound extends ControlPlaneError {
  override readonly name = 'NotFound';
  readonly retryable = false;
  constructor(
    readonly service: string,
    detail: string,
  ) {
    super(`${service}: not found: ${detail}`);
  }
}

/** A rolling upgrade's console input is invalid (unknown pool or image, contradictory knobs, typos). Final; nothing was changed. */
export class InvalidUpgradeInput extends ControlPlaneError {
  override readonly name = 'InvalidUpgradeInput';
  readonly retryable = false;
}

/** Another upgrade holds the pool's lock, or an ASG instance refresh runs on it. Final; nothing was changed. */
export class PoolBusy extends ControlPlaneError {
  override readonly name = 'PoolBusy';
  readonly retryable = false;
}

/** New nodes of an upgrade batch did not join, or its old nodes did not drain, in time. Final (the upgrade rolls back). */
export class UpgradeStalled extends ControlPlaneError {
  override readonly name = 'UpgradeStalled';
  readonly retryable = false;
}

/**
 * The work on an upgrade's new nodes is not healthy: an allocation there
 * failed or was marked unhealthy, or not every one became healthy within the
 * health timeout. Final (the upgrade rolls back before the next batch).
 */
export class UpgradeUnhealthy extends ControlPlaneError {
  override readonly name = 'UpgradeUnhealthy';
  readonly retryable = false;
}

/** A CloudWatch alarm that gates the upgrade is in ALARM. Final (the upgrade rolls back). */
export class UpgradeAlarm extends ControlPlaneError {
  override readonly name = 'UpgradeAlarm';
  readonly retryable = false;
}

/** A server pool upgrade needs the serverReplace state machine, which is not deployed. Final. */
export class ServerPoolUpgradeUnavailable extends ControlPlaneError {
  override readonly name = 'ServerPoolUpgradeUnavailable';
  readonly retryable = false;
}

/** A child execution (serverReplace, poolUpgrade) ended other than SUCCEEDED. Final. */
export class ChildExecutionFailed extends ControlPlaneError {
  override readonly name = 'ChildExecutionFailed';
  readonly retryable = false;
}

/**
 * Work was stopped without a replacement running: the drain reached its
 * deadline (Nomad stopped what was left), or the workflow gave up while work
 * was still on the node. The message names the allocations, jobs and task
 * groups. Final: the alert is the point.
 */
export class WorkLost extends ControlPlaneError {
  override readonly name = 'WorkLost';
  readonly retryable = false;
}

/**
 * The lifecycle action is no longer active while its work still runs: the
 * hook expired (heartbeat timeout or global limit) or someone completed it,
 * so the instance terminates whatever is on it. Final.
 */
export class LifecycleActionLost extends ControlPlaneError {
  override readonly name = 'LifecycleActionLost';
  readonly retryable = false;
}

/**
 * A raft snapshot was not taken, not stored or not verified (the product
 * refused or sent a corrupt archive, S3 refused or lost it). Final for the
 * snapshot: a planned server change does not start; an unplanned removal
 * goes ahead and its execution fails with this error afterwards (the alert).
 */
export class SnapshotFailed extends ControlPlaneError {
  override readonly name = 'SnapshotFailed';
  readonly retryable = false;
  constructor(
    readonly system: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${system} snapshot: ${message}`, options);
  }
}
