/**
 * When to replace an instance AWS Health scheduled for retirement or
 * maintenance: inside the maintenance window when the next one opens early
 * enough (its start + the expected replacement time + the safety margin is
 * still before the scheduled time), at once otherwise. Inside the window
 * already, or without a scheduled time, it is now.
 */
import { insideWindow, type MaintenanceWindow, nextWindowStart } from '../../time/window.js';

export type RetirementPlan = { at: 'now'; reason: string } | { at: 'window'; replaceAt: number; reason: string };

export interface RetirementTiming {
  window: MaintenanceWindow;
  /** How long a replacement takes (a drain, a launch and the join gate). */
  replaceTimeMs: number;
  /** How much earlier than the scheduled time it must be done. */
  marginMs: number;
}

export function planRetirement(now: number, scheduledAt: number | null, timing: RetirementTiming): RetirementPlan {
  if (scheduledAt === null) return { at: 'now', reason: 'the event gives no scheduled time' };
  if (insideWindow(timing.window, now)) return { at: 'now', reason: `inside the maintenance window ${timing.window.text}` };
  const start = nextWindowStart(timing.window, now);
  const doneBy = start + timing.replaceTimeMs + timing.marginMs;
  if (doneBy <= scheduledAt)
    return { at: 'window', replaceAt: start, reason: `the next maintenance window (${timing.window.text}) opens ${new Date(start).toISOString()}, in time` };
  return {
    at: 'now',
    reason: `the next maintenance window opens ${new Date(start).toISOString()}: with the replacement time and the margin it would end after the scheduled time`,
  };
}
