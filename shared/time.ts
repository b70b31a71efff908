/**
 * Timestamps cross the wire as ISO 8601 text or epoch milliseconds and are stored as integer
 * epoch ms. A date-time must carry its offset (`Z` or `±hh:mm`): a bare local time would mean
 * something different on every machine.
 */
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):?(\d{2})))?$/;

/** 9999-12-31T23:59:59.999Z: the largest time an ISO string with a 4-digit year can show. */
export const MAX_EPOCH_MS = 253_402_300_799_999;

function inRange(ms: number): boolean {
  return Number.isInteger(ms) && ms >= 0 && ms <= MAX_EPOCH_MS;
}

/**
 * Whether each calendar field is in its range. Date.parse rolls impossible dates over instead
 * of refusing them (2026-02-30 becomes March 2, T24:00 the next day), so they are checked first.
 */
function fieldsInRange(match: RegExpExecArray): boolean {
  const [year, month, day, hour = 0, minute = 0, second = 0, offsetHours = 0, offsetMinutes = 0] = match.slice(1).map((field) => (field === undefined ? undefined : Number(field)));
  if (year === undefined || month === undefined || day === undefined) return false;
  // Day 0 of the next month is the last day of this one.
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59 && offsetHours <= 23 && offsetMinutes <= 59;
}

/** Epoch ms from an ISO 8601 string, or undefined when it is not one we accept. */
export function parseIsoTime(text: string): number | undefined {
  const match = ISO_DATE_TIME.exec(text);
  if (match === null || !fieldsInRange(match)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) || !inRange(Math.trunc(ms)) ? undefined : Math.trunc(ms);
}

/** Epoch ms from a JSON value: an ISO 8601 string or a number of epoch milliseconds. */
export function parseTimeValue(value: unknown): number | undefined {
  if (typeof value === 'number') return inRange(value) ? value : undefined;
  if (typeof value === 'string') return parseIsoTime(value);
  return undefined;
}

/** Epoch ms from a query parameter: digits are epoch ms, anything else must be ISO 8601. */
export function parseTimeParameter(text: string): number | undefined {
  if (/^\d{1,16}$/.test(text)) {
    const ms = Number(text);
    return inRange(ms) ? ms : undefined;
  }
  return parseIsoTime(text);
}

export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}
