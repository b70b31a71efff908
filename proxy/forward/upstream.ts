import type { Logger } from '#shared/log.js';
import type { RecordExporter } from '../export/record-exporter.js';
import type { ProxyMetrics } from '../metrics.js';
import type { RoutingPolicy } from '../policies/policy.js';
import type { WorkerMonitor } from '../workers/worker-monitor.js';
import type { Backend } from '../workers/backend.js';

/** Where traced requests go: workers chosen by a policy (gateway), or one router in front of them. */
export type Upstream =
  | {
      mode: 'gateway';
      workers: readonly Backend[];
      policy: RoutingPolicy;
      /** The routing_policy recorded: --router-policy when given (a sidecar behind a router), else the policy's name. */
      policyLabel: string;
    }
  | {
      mode: 'router';
      router: Backend;
      /** The routing_policy recorded (the router's --policy). */
      policyLabel: string;
      /** Response headers that name the serving worker, in order of preference. */
      workerHeaders: readonly string[];
      /** Known workers: to name a worker from a header, and for --infer-worker round_robin. */
      knownWorkers: readonly Backend[];
      inferRoundRobin: boolean;
    };

export interface ForwarderOptions {
  upstream: Upstream;
  requestIdHeaders: readonly string[];
  injectRid: boolean;
  requestTimeoutMs: number;
  maxPayloadBytes: number;
  proxyId: string;
  /** The proxy's own URL: the worker_url of requests no worker was chosen for. */
  selfUrl: () => string;
}

export interface ForwarderDeps {
  monitor: WorkerMonitor | undefined;
  exporter: RecordExporter | undefined;
  metrics: ProxyMetrics;
  logger: Logger;
}

/** Tries per request, the first included: a request the worker provably never got is retried at most twice. */
export const MAX_ATTEMPTS = 3;
