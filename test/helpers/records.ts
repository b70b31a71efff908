import type { RoutingRecordInput } from '#shared/record.js';

let counter = 0;

/** A valid record; each call gets a fresh record_id. */
export function makeRecord(overrides: Partial<RoutingRecordInput> = {}): RoutingRecordInput {
  counter += 1;
  return {
    record_id: `rec-${process.pid}-${counter}`,
    request_id: `req-${counter}`,
    node_id: 'worker-0',
    worker_url: 'http://127.0.0.1:30001',
    routing_policy: 'cache_aware',
    status: 'completed',
    timestamp: Date.now(),
    ...overrides,
  };
}
