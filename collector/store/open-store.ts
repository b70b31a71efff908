import { SqliteTraceStore } from './sqlite-store.js';
import type { RetentionPolicy, TraceStore } from './trace-store.js';

/** Opens the store `location` names: today a SQLite file path (created with its folder if missing). */
export async function openStore(location: string, policy: RetentionPolicy): Promise<TraceStore> {
  return SqliteTraceStore.open(location, policy);
}
