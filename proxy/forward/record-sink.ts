import type { TraceStatus } from '#shared/record.js';
import { uuidV7 } from './ids.js';
import { buildRecord, type RecordSettings } from './record-builder.js';
import type { RequestContext } from './request-context.js';
import type { RequestMetrics } from './request-metrics.js';
import type { ForwarderDeps, ForwarderOptions } from './upstream.js';

/** Where a decided outcome goes: the requests metric, the debug log, and the exporter's queue. */
export class RecordSink {
  readonly #deps: ForwarderDeps;
  readonly #metrics: RequestMetrics;
  readonly #options: ForwarderOptions;
  readonly #settings: RecordSettings;

  constructor(deps: ForwarderDeps, metrics: RequestMetrics, options: ForwarderOptions) {
    this.#deps = deps;
    this.#metrics = metrics;
    this.#options = options;
    this.#settings = { routingPolicy: options.upstream.policyLabel, proxyId: options.proxyId, selfUrl: '' };
  }

  finish(ctx: RequestContext, status: TraceStatus, error: string | undefined): void {
    const served = ctx.attributed ?? ctx.served;
    this.#metrics.request(served?.nodeId ?? 'none', status);
    const logger = this.#deps.logger;
    if (logger.isLevelEnabled('debug')) logger.debug({ request_id: ctx.requestId, node_id: served?.nodeId, status, http_status: ctx.httpStatus, error }, 'request done');
    const exporter = this.#deps.exporter;
    if (exporter === undefined) return;
    try {
      // The proxy's URL is known only once it listens (port 0).
      this.#settings.selfUrl ||= this.#options.selfUrl();
      exporter.enqueue(buildRecord(ctx, { status, error }, this.#settings, uuidV7(), performance.now()));
    } catch (failure) {
      // Tracing never breaks serving: a record that cannot be built is logged, not thrown.
      logger.error({ err: failure, request_id: ctx.requestId }, 'could not build a routing record');
    }
  }
}
