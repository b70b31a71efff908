/**
 * The proxy-overhead workload shared by `overhead`, `paired` and `visibility`: a simulated
 * worker that answers at once (so the forwarder's own cost is what is measured), the request
 * every client sends, and the wrk concurrencies issue 11's targets name.
 */
export const FAST_WORKER = ['--first-token-base-ms', '0', '--prefill-ms-per-token', '0', '--decode-tokens-per-sec', '100000000', '--max-running-requests', '100000'];
export const BODY = JSON.stringify({ text: 'Hello world, a short prompt for the overhead benchmark', sampling_params: { max_new_tokens: 1 } });
export const CONNECTIONS = [16, 64] as const;

/** A round-robin proxy in front of `workerUrl` with no load polling, shipping to `collectorUrl` when given. */
export function proxyArgs(workerUrl: string, collectorUrl?: string): string[] {
  const args = ['--port', '0', '--worker-urls', workerUrl, '--policy', 'round_robin', '--load-check-interval-secs', '0'];
  return collectorUrl === undefined ? args : [...args, '--collector-url', collectorUrl];
}
