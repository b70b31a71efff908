import type { StoredTrace } from '#shared/api-types.js';
import type { ReplayFilter } from '../reads/list-query.js';

/** What a live-tail client asked for: the list API's equality filters, all optional. */
export type StreamFilter = ReplayFilter;

/** The same test the replay query applies in SQL, for records arriving live. */
export function matchesFilter(trace: StoredTrace, filter: StreamFilter): boolean {
  return (
    (filter.nodeId === undefined || trace.node_id === filter.nodeId) &&
    (filter.workerUrl === undefined || trace.worker_url === filter.workerUrl) &&
    (filter.status === undefined || trace.status === filter.status) &&
    (filter.routingPolicy === undefined || trace.routing_policy === filter.routingPolicy) &&
    (filter.requestId === undefined || trace.request_id === filter.requestId) &&
    (filter.decision === undefined || trace.decision === filter.decision)
  );
}
