import type { StoredTrace, Timeseries as TimeseriesBody, TimeseriesNode, TraceStats } from '../../shared/api-types.js';

export type { StoredTrace };

/** A node's columns of `/v1/traces/timeseries`; the latency panel picks a percentile column by name. */
export type NodeSeries = TimeseriesNode & Record<`p${number}_${string}`, Array<number | null>>;

export type Timeseries = Omit<TimeseriesBody, 'nodes'> & { nodes: Record<string, NodeSeries> };

/** Per-node additions of the attribution and scale issues; each may be absent on an older collector. */
export interface NodeStatsExtras {
  attribution?: Record<string, number>;
  decisions?: Record<string, number>;
  decision_quality?: { records: number; predicted_prefix_match_rate: number | null; cache_hit_rate: number | null };
}

export type Stats = Omit<TraceStats, 'nodes'> & { nodes: Record<string, TraceStats['nodes'][string] & NodeStatsExtras> };

/** Collector `/health` or, when the page came through the proxy, the proxy's. */
export interface Health {
  status: string;
  version?: string;
  mode?: string;
  healthy_workers?: number;
  workers?: number;
  retained_traces?: number;
  uptime_seconds?: number;
}

export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** GET a JSON document; the error body's message when the server answered one. */
export async function getJson<T>(path: string): Promise<{ body: T; headers: Headers }> {
  const response = await fetch(path, { headers: { accept: 'application/json' } });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError(response.status, `${path}: not JSON (HTTP ${response.status})`);
  }
  if (!response.ok) {
    const message = typeof body === 'object' && body !== null && 'error' in body ? JSON.stringify((body).error) : text;
    throw new ApiError(response.status, `${path}: HTTP ${response.status} ${message}`);
  }
  return { body: body as T, headers: response.headers };
}

export function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}
