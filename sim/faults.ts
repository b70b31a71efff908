import type { SimFaults } from './options.js';

/**
 * Applies the fault switches present in `changes` (from `worker.setFaults()` or the JSON of
 * `POST /sim/faults`), clamped to their ranges; fields of the wrong type are ignored.
 */
export function applyFaults(faults: SimFaults, changes: Partial<Record<keyof SimFaults, unknown>>): void {
  if (typeof changes.failRate === 'number') faults.failRate = Math.min(1, Math.max(0, changes.failRate));
  if (typeof changes.hang === 'boolean') faults.hang = changes.hang;
  if (typeof changes.dropAfterTokens === 'number') faults.dropAfterTokens = Math.max(0, Math.floor(changes.dropAfterTokens));
  if (typeof changes.unhealthy === 'boolean') faults.unhealthy = changes.unhealthy;
}
