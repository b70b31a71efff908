/** A JSON object (not null, not an array): the guard every boundary starts with. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The string `code` of a thrown value (Node's `ECONNRESET`, SQLite's `SQLITE_BUSY`, …), if any. */
export function errorCodeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}
