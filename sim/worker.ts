import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { withDefaults } from '#shared/defaults.js';
import { SimEngine, type GenerationOutcome, type TokenStep } from './engine.js';
import { SIM_DEFAULTS, type SimFaults, type SimOptions } from './options.js';
import {
  completionBody, completionChunk, generateBody, parseGenerate, parseOpenAi, responseId, usage, usageChunk,
  type ApiKind, type OpenAiEnvelope, type ParsedRequest,
} from './protocol.js';

export interface SimRequestLog {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** Epoch ms (sub-ms precision) when the request arrived. */
  receivedAt: number;
}

export interface SimStats {
  name: string;
  /** Generation requests (/generate, /v1/completions, /v1/chat/completions) received. */
  requests: number;
  requestsByPath: Record<string, number>;
  /** Every `rid` seen in generation request bodies, in arrival order. */
  rids: string[];
  /** Generation requests whose client closed the connection before the answer ended. */
  clientAborts: number;
  /** Epoch ms (sub-ms precision) of each of those closes. */
  abortTimes: number[];
  running: number;
  waiting: number;
  cacheTokens: number;
  /** The last 200 requests of any kind, oldest first. */
  recent: SimRequestLog[];
}

export interface SimWorker {
  url: string;
  port: number;
  name: string;
  stats(): SimStats;
  setFaults(faults: Partial<SimFaults>): void;
  flushCache(): void;
  close(): Promise<void>;
}

export type SimWorkerOptions = Partial<Omit<SimOptions, 'faults'>> & { faults?: Partial<SimFaults> };

const MAX_BODY_BYTES = 64 * 1024 * 1024;
const nowMs = (): number => performance.timeOrigin + performance.now();

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** SGLang's two error shapes: `/generate` and the OpenAI endpoints differ. */
function sendError(res: ServerResponse, kind: ApiKind, status: number, message: string): void {
  if (kind === 'generate') sendJson(res, status, { error: { message } });
  else sendJson(res, status, { object: 'error', message, type: status >= 500 ? 'InternalServerError' : 'BadRequestError', param: null, code: status });
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startSimWorker(overrides: SimWorkerOptions = {}): Promise<SimWorker> {
  // Fresh objects per worker: faults change at run time and must not leak between workers.
  const options: SimOptions = { ...withDefaults(SIM_DEFAULTS, overrides), faults: withDefaults(SIM_DEFAULTS.faults, overrides.faults ?? {}) };
  const engine = new SimEngine(options);
  const hung = new Set<ServerResponse>();
  // Connections the worker closes itself (--drop-after-tokens) are not client aborts.
  const droppedByWorker = new WeakSet<ServerResponse>();
  const drop = (res: ServerResponse): void => {
    droppedByWorker.add(res);
    // destroySoon: flush the chunks already written, then close, like a worker process dying.
    if (res.socket !== null) res.socket.destroySoon();
    else res.destroy();
  };
  const stats = { requests: 0, requestsByPath: {} as Record<string, number>, rids: [] as string[], clientAborts: 0, abortTimes: [] as number[], recent: [] as SimRequestLog[] };
  let url = '';

  function watchAbort(res: ServerResponse): AbortController {
    const controller = new AbortController();
    res.on('close', () => {
      if (res.writableFinished || droppedByWorker.has(res)) return;
      stats.clientAborts++;
      stats.abortTimes.push(nowMs());
      controller.abort();
    });
    return controller;
  }

  async function generation(kind: ApiKind, req: IncomingMessage, res: ServerResponse): Promise<void> {
    stats.requests++;
    const raw = await readBody(req);
    if (raw === undefined) return sendError(res, kind, 413, 'Request body too large.');
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch (error) {
      return sendError(res, kind, 400, `Invalid JSON body: ${error instanceof Error ? error.message : String(error)}`);
    }
    const parsed = kind === 'generate' ? parseGenerate(body, options.defaultMaxNewTokens) : parseOpenAi(kind, body, options.defaultMaxNewTokens);
    if (!parsed.ok) return sendError(res, kind, 400, parsed.message);
    const request = parsed.request;
    for (const prompt of request.prompts) if (prompt.rid !== undefined) stats.rids.push(prompt.rid);

    if (options.faults.hang) {
      // Accept and never answer; only close() or the client ends it.
      hung.add(res);
      res.on('close', () => hung.delete(res));
      watchAbort(res);
      return;
    }
    if (Math.random() < options.faults.failRate) return sendError(res, kind, 500, 'simulated failure (--fail-rate)');

    const controller = watchAbort(res);
    if (request.stream) return streamGeneration(request, res, controller.signal);

    const outcomes = await Promise.all(
      request.prompts.map((prompt) => engine.run({ promptTokens: prompt.tokens, maxNewTokens: request.maxNewTokens, stream: false }, controller.signal, () => undefined)),
    );
    if (outcomes.some((outcome) => outcome.kind === 'aborted')) return;
    if (outcomes.some((outcome) => outcome.kind === 'dropped')) return drop(res);
    const finished = outcomes.filter((outcome): outcome is Extract<GenerationOutcome, { kind: 'finished' }> => outcome.kind === 'finished');
    if (request.kind === 'generate') {
      const bodies = finished.map((outcome, i) =>
        generateBody({
          id: responseId('generate', request.prompts[i]?.rid),
          step: outcome.step,
          promptTokens: request.prompts[i]?.tokens.length ?? 0,
          finished: true,
          maxNewTokens: request.maxNewTokens,
          e2eLatencySeconds: outcome.e2eLatencySeconds,
        }),
      );
      return sendJson(res, 200, request.batched ? bodies : bodies[0]);
    }
    const [outcome] = finished;
    const prompt = request.prompts[0];
    if (outcome === undefined || prompt === undefined) return;
    const envelope = openAiEnvelope(request);
    const usageBody = usage(prompt.tokens.length, outcome.step.outputIds.length, outcome.step.cachedTokens, options.enableCacheReport);
    sendJson(res, 200, completionBody(request.kind, envelope, outcome.step.text, usageBody));
  }

  function openAiEnvelope(request: ParsedRequest): OpenAiEnvelope {
    return { id: responseId(request.kind, request.prompts[0]?.rid), created: Math.floor(Date.now() / 1000), model: request.model ?? options.model };
  }

  async function streamGeneration(request: ParsedRequest, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const prompt = request.prompts[0];
    if (prompt === undefined) return;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (body: unknown): void => {
      res.write(`data: ${JSON.stringify(body)}\n\n`);
    };
    const kind = request.kind;
    const started = performance.now();
    const generateId = responseId('generate', prompt.rid);
    const envelope = kind === 'generate' ? undefined : openAiEnvelope(request);
    if (kind === 'chat' && envelope !== undefined) send(completionChunk('chat', envelope, { role: 'assistant', content: '' }, null));

    const onToken = (step: TokenStep): void => {
      if (kind === 'generate') {
        send(generateBody({ id: generateId, step, promptTokens: prompt.tokens.length, finished: false, maxNewTokens: request.maxNewTokens, e2eLatencySeconds: (performance.now() - started) / 1000 }));
      } else if (envelope !== undefined) {
        send(completionChunk(kind, envelope, { content: step.delta }, null));
      }
    };
    const outcome = await engine.run({ promptTokens: prompt.tokens, maxNewTokens: request.maxNewTokens, stream: true }, signal, onToken);
    if (outcome.kind === 'aborted') return;
    if (outcome.kind === 'dropped') return drop(res);
    if (kind === 'generate') {
      // The last JSON chunk carries the final meta_info (finish_reason, token counts).
      send(generateBody({ id: generateId, step: outcome.step, promptTokens: prompt.tokens.length, finished: true, maxNewTokens: request.maxNewTokens, e2eLatencySeconds: outcome.e2eLatencySeconds }));
    } else if (envelope !== undefined) {
      send(completionChunk(kind, envelope, kind === 'chat' ? {} : { content: '' }, 'length'));
      if (request.includeUsage) send(usageChunk(kind, envelope, usage(prompt.tokens.length, outcome.step.outputIds.length, outcome.step.cachedTokens, options.enableCacheReport)));
    }
    res.end('data: [DONE]\n\n');
  }

  function metricsText(): string {
    const labels = `{model_name="${options.model}"}`;
    const hitRate = engine.promptTokensTotal > 0 ? engine.cachedTokensTotal / engine.promptTokensTotal : 0;
    return [
      '# HELP sglang:num_running_reqs The number of running requests.', '# TYPE sglang:num_running_reqs gauge', `sglang:num_running_reqs${labels} ${engine.scheduler.running}`,
      '# HELP sglang:num_queue_reqs The number of requests in the waiting queue.', '# TYPE sglang:num_queue_reqs gauge', `sglang:num_queue_reqs${labels} ${engine.scheduler.waiting}`,
      '# HELP sglang:cache_hit_rate The prefix cache hit rate.', '# TYPE sglang:cache_hit_rate gauge', `sglang:cache_hit_rate${labels} ${hitRate}`,
      '# HELP sglang:prompt_tokens_total Number of prefill tokens processed.', '# TYPE sglang:prompt_tokens_total counter', `sglang:prompt_tokens_total${labels} ${engine.promptTokensTotal}`,
      '# HELP sglang:generation_tokens_total Number of generation tokens processed.', '# TYPE sglang:generation_tokens_total counter', `sglang:generation_tokens_total${labels} ${engine.generationTokensTotal}`,
      '',
    ].join('\n');
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? 'GET';
    stats.requestsByPath[path] = (stats.requestsByPath[path] ?? 0) + 1;
    stats.recent.push({ method, path, headers: req.headers, receivedAt: nowMs() });
    if (stats.recent.length > 200) stats.recent.shift();

    const route = `${method} ${path}`;
    switch (route) {
      case 'POST /generate':
        return generation('generate', req, res);
      case 'POST /v1/completions':
        return generation('completions', req, res);
      case 'POST /v1/chat/completions':
        return generation('chat', req, res);
      case 'GET /health':
      case 'GET /health_generate':
        return options.faults.unhealthy ? sendText(res, 503, '') : sendText(res, 200, '');
      case 'GET /get_load':
        return sendJson(res, 200, [{ dp_rank: 0, num_reqs: engine.scheduler.running + engine.scheduler.waiting, num_waiting_reqs: engine.scheduler.waiting, num_tokens: engine.activeTokens }]);
      case 'GET /v1/loads':
        return sendJson(res, 200, {
          timestamp: new Date().toISOString(), version: '0.0.0-sim', accelerator: 'sim', num_accelerators: 1,
          loads: [{
            dp_rank: 0, num_running_reqs: engine.scheduler.running, num_waiting_reqs: engine.scheduler.waiting,
            num_used_tokens: engine.activeTokens, num_total_tokens: options.cacheCapacityTokens,
            token_usage: engine.activeTokens / options.cacheCapacityTokens, gen_throughput: 0,
          }],
        });
      case 'GET /get_model_info':
        return sendJson(res, 200, { model_path: options.model, tokenizer_path: options.model, is_generation: true, preferred_sampling_params: null, weight_version: 'default' });
      case 'GET /get_server_info':
        return sendJson(res, 200, {
          model_path: options.model, host: options.host, port: Number(new URL(url).port), served_model_name: options.model,
          max_running_requests: options.maxRunningRequests, enable_cache_report: options.enableCacheReport,
          decode_tokens_per_sec: options.decodeTokensPerSec, cache_capacity_tokens: options.cacheCapacityTokens, version: '0.0.0-sim',
        });
      case 'GET /v1/models':
        return sendJson(res, 200, { object: 'list', data: [{ id: options.model, object: 'model', created: Math.floor(Date.now() / 1000), owned_by: 'sglang', root: options.model, max_model_len: 8192 }] });
      case 'GET /flush_cache':
      case 'POST /flush_cache':
        engine.cache.clear();
        return sendText(res, 200, 'Cache flushed.\n');
      case 'GET /metrics':
        return sendText(res, 200, metricsText(), 'text/plain; version=0.0.4; charset=utf-8');
      case 'GET /sim/stats':
        return sendJson(res, 200, snapshot());
      case 'POST /sim/faults': {
        const raw = await readBody(req);
        try {
          const parsed: unknown = JSON.parse(raw?.toString('utf8') ?? '');
          if (typeof parsed === 'object' && parsed !== null) setFaults(parsed);
          return sendJson(res, 200, options.faults);
        } catch {
          return sendJson(res, 400, { error: { message: 'expected a JSON object of faults' } });
        }
      }
      default:
        return sendJson(res, 404, { detail: 'Not Found' });
    }
  }

  function setFaults(faults: Partial<Record<keyof SimFaults, unknown>>): void {
    if (typeof faults.failRate === 'number') options.faults.failRate = Math.min(1, Math.max(0, faults.failRate));
    if (typeof faults.hang === 'boolean') options.faults.hang = faults.hang;
    if (typeof faults.dropAfterTokens === 'number') options.faults.dropAfterTokens = Math.max(0, Math.floor(faults.dropAfterTokens));
    if (typeof faults.unhealthy === 'boolean') options.faults.unhealthy = faults.unhealthy;
  }

  function snapshot(): SimStats {
    return {
      name: options.name, requests: stats.requests, requestsByPath: { ...stats.requestsByPath }, rids: [...stats.rids],
      clientAborts: stats.clientAborts, abortTimes: [...stats.abortTimes], running: engine.scheduler.running,
      waiting: engine.scheduler.waiting, cacheTokens: engine.cache.size, recent: [...stats.recent],
    };
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { error: { message: error instanceof Error ? error.message : String(error) } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${address.port}`;

  return {
    url,
    port: address.port,
    name: options.name,
    stats: snapshot,
    setFaults,
    flushCache: () => engine.cache.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hung) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
