/** Fault switches; all can be changed at run time (`worker.setFaults`, `POST /sim/faults`). */
export interface SimFaultOptions {
  /** Probability in [0, 1] that a generation request answers 500. Default: 0. */
  failRate?: number;
  /** Accept generation requests and never answer. Default: false. */
  hang?: boolean;
  /** Close the connection after this many output tokens (0 = never). Default: 0. */
  dropAfterTokens?: number;
  /** `/health` and `/health_generate` answer 503. Default: false. */
  unhealthy?: boolean;
}

/** How a simulated worker behaves; each field left out takes the default it names (SIM_DEFAULTS). */
export interface SimOptions {
  /** Default: 127.0.0.1. */
  host?: string;
  /** Default: 0 (a free port). */
  port?: number;
  /** Worker name, shown in /get_server_info and metrics. Default: sim-worker. */
  name?: string;
  /** Default: sim/llama-3-8b-instruct. */
  model?: string;
  /** Fixed part of the time to first token, ms. Default: 0 (realistic: 20). */
  firstTokenBaseMs?: number;
  /** Prefill time per uncached prompt token, ms. Default: 0.005 (realistic: 0.1). */
  prefillMsPerToken?: number;
  /** Decode speed per request. Default: 2000 tokens/s (realistic: 50). */
  decodeTokensPerSec?: number;
  /** Requests running at once; the rest wait. Default: 64. */
  maxRunningRequests?: number;
  /** Prefix cache capacity in tokens (LRU-evicted beyond). Default: 200000. */
  cacheCapacityTokens?: number;
  /** Fill OpenAI usage.prompt_tokens_details.cached_tokens, like SGLang's --enable-cache-report. Default: true. */
  enableCacheReport?: boolean;
  /** Default max_new_tokens for /generate and chat. Default: 128 (completions: 16, as OpenAI). */
  defaultMaxNewTokens?: number;
  faults?: SimFaultOptions;
}

/** The switches' current state, every one set. */
export type SimFaults = Required<SimFaultOptions>;

/** SimOptions with every default applied: what the worker's parts read. */
export type SimConfig = Required<Omit<SimOptions, 'faults'>> & { faults: SimFaults };

export const SIM_DEFAULTS: SimConfig = {
  host: '127.0.0.1',
  port: 0,
  name: 'sim-worker',
  model: 'sim/llama-3-8b-instruct',
  firstTokenBaseMs: 0,
  prefillMsPerToken: 0.005,
  decodeTokensPerSec: 2000,
  maxRunningRequests: 64,
  cacheCapacityTokens: 200_000,
  enableCacheReport: true,
  defaultMaxNewTokens: 128,
  faults: { failRate: 0, hang: false, dropAfterTokens: 0, unhealthy: false },
};

/** `--realistic`: tens of ms to first token, ~50 tokens/s, like a mid-size model on one GPU. */
export const REALISTIC_TIMING: SimOptions = {
  firstTokenBaseMs: 20,
  prefillMsPerToken: 0.1,
  decodeTokensPerSec: 50,
};
