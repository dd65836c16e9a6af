/**
 * Adaptive poll interval of the pool upgrade's Wait states (WaitJoin,
 * WaitDrain read it from `$.progress.pollSeconds`). A fixed 15 s poll costs on
 * average 7.5 s per phase, 2 phases a batch; this one sleeps through most of
 * a phase as long as the shortest one of the earlier batches, then polls often enough
 * that the overshoot stays a small share of the phase.
 *
 * Polls per phase are bounded: with a prediction, one wait up to 80 % of it;
 * then a poll every MIN_POLL_SECONDS up to 40 s into the phase (≤ 20), polls
 * growing by POLL_FRACTION up to 300 s (≤ 41), then one per MAX_POLL_SECONDS
 * up to the phase deadline, as the fixed poll did. A phase as long as the
 * shortest earlier one takes about 5 polls.
 */

/** Shortest wait between two checks (s). */
export const MIN_POLL_SECONDS = 2;
/** Longest wait between two checks (s): the old fixed interval. */
export const MAX_POLL_SECONDS = 15;
/** A check is due after this share of the phase time so far (or of the predicted phase time). */
export const POLL_FRACTION = 0.05;
/** With a prediction (the shortest earlier phase), the first check comes after this share of it. */
export const PREDICTED_SHARE = 0.8;

/**
 * Seconds until the next check of a phase that has run `elapsedMs`, given
 * the shortest same phase of the earlier batches (`predictedMs`, null for the
 * first batch).
 */
export function nextPollSeconds(elapsedMs: number, predictedMs: number | null | undefined): number {
  const predicted = predictedMs ?? null;
  if (predicted !== null && elapsedMs < PREDICTED_SHARE * predicted) {
    return Math.max(MIN_POLL_SECONDS, Math.ceil((PREDICTED_SHARE * predicted - elapsedMs) / 1000));
  }
  const scale = Math.max(elapsedMs, predicted ?? 0) / 1000;
  return Math.min(MAX_POLL_SECONDS, Math.max(MIN_POLL_SECONDS, Math.ceil(scale * POLL_FRACTION)));
}

/**
 * The prediction kept for the next batch: the shortest phase so far. A long
 * phase (a batch allocation running out its time) must not make the next
 * batch sleep past its end; a short one only costs a few more polls.
 */
export function shortest(previous: number | null | undefined, measured: number): number {
  return previous === null || previous === undefined ? measured : Math.min(previous, measured);
}
