/**
 * Weekly maintenance windows in UTC, written like `Sun 02:00-06:00`. An end
 * at or before the start runs past midnight into the next day
 * (`Sat 22:00-02:00`); `24:00` ends at midnight.
 */
import * as z from '../validation/zod.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const WEEK_MIN = 7 * 1440;
const PATTERN = /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) ([01]\d|2[0-3]):([0-5]\d)-(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$/;

/** A parsed weekly window. */
export interface MaintenanceWindow {
  /** As written. */
  text: string;
  /** Minute of the week (Sunday 00:00 UTC = 0) the window opens. */
  startMinute: number;
  /** Length in minutes (1 … 1440). */
  lengthMinutes: number;
}

/** A window as configured (strict: `Ddd HH:MM-HH:MM`, UTC, not empty). */
export const MaintenanceWindowSchema = z.pipe(
  z.string().check(z.trim()),
  z.transform((text, ctx): MaintenanceWindow => {
    const m = PATTERN.exec(text);
    if (!m) {
      ctx.issues.push({
        code: 'custom',
        message: `not a maintenance window like "Sun 02:00-06:00" (UTC, day Sun…Sat, 24-hour times): ${JSON.stringify(text)}`,
        input: text,
      });
      return z.NEVER;
    }
    const day = DAYS.indexOf(m[1] as (typeof DAYS)[number]);
    const start = Number(m[2]) * 60 + Number(m[3]);
    const end = m[6] !== undefined ? 1440 : Number(m[4]) * 60 + Number(m[5]);
    if (end === start) {
      ctx.issues.push({ code: 'custom', message: `maintenance window ${JSON.stringify(text)} is empty (start = end)`, input: text });
      return z.NEVER;
    }
    return { text, startMinute: day * 1440 + start, lengthMinutes: end > start ? end - start : end + 1440 - start };
  }),
);

/** True when `epochMs` falls inside the window (start inclusive, end exclusive). */
export function insideWindow(window: MaintenanceWindow, epochMs: number): boolean {
  const d = new Date(epochMs);
  const minute = d.getUTCDay() * 1440 + d.getUTCHours() * 60 + d.getUTCMinutes();
  return (minute - window.startMinute + WEEK_MIN) % WEEK_MIN < window.lengthMinutes;
}

/** The first instant at or after `epochMs` at which the window opens (epoch ms, minute precision). */
export function nextWindowStart(window: MaintenanceWindow, epochMs: number): number {
  const d = new Date(epochMs);
  const minuteOfWeek = d.getUTCDay() * 1440 + d.getUTCHours() * 60 + d.getUTCMinutes();
  const startOfMinute = epochMs - (epochMs % 60_000);
  let ahead = (window.startMinute - minuteOfWeek + WEEK_MIN) % WEEK_MIN;
  if (ahead === 0 && startOfMinute < epochMs) ahead = WEEK_MIN;
  return startOfMinute + ahead * 60_000;
}
