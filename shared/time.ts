/**
 * Timestamps cross the wire as ISO 8601 text or epoch milliseconds and are stored as integer
 * epoch ms. A date-time must carry its offset (`Z` or `±hh:mm`): a bare local time would mean
 * something different on every machine.
 */
const ISO_DATE_TIME =
  /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/;

/** 9999-12-31T23:59:59.999Z: the largest time an ISO string with a 4-digit year can show. */
export const MAX_EPOCH_MS = 253_402_300_799_999;

function inRange(ms: number): boolean {
  return Number.isInteger(ms) && ms >= 0 && ms <= MAX_EPOCH_MS;
}

/** Epoch ms from an ISO 8601 string, or undefined when it is not one we accept. */
export function parseIsoTime(text: string): number | undefined {
  if (!ISO_DATE_TIME.test(text)) return undefined;
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
