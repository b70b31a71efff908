import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimConnections } from './connections.js';
import type { GenerationOutcome, SimEngine, TokenStep } from './engine.js';
import { readBody, sendError, sendJson } from './http-io.js';
import type { SimConfig } from './options.js';
import {
  completionBody, completionChunk, generateBody, parseGenerate, parseOpenAi, responseId, usage, usageChunk,
  type ApiKind, type OpenAiEnvelope, type ParsedRequest,
} from './protocol.js';
import type { SimStatsRecorder } from './worker-stats.js';

type Finished = Extract<GenerationOutcome, { kind: 'finished' }>;

/** `/generate`, `/v1/completions` and `/v1/chat/completions`: parse, apply faults, run the engine, answer. */
export class SimGeneration {
  readonly #engine: SimEngine;
  readonly #options: SimConfig;
  readonly #stats: SimStatsRecorder;
  readonly #connections: SimConnections;

  constructor(engine: SimEngine, options: SimConfig, stats: SimStatsRecorder, connections: SimConnections) {
    this.#engine = engine;
    this.#options = options;
    this.#stats = stats;
    this.#connections = connections;
  }

  async handle(kind: ApiKind, req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.#stats.generationRequest();
    const raw = await readBody(req);
    if (raw === undefined) return sendError(res, kind, 413, 'Request body too large.');
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch (error) {
      return sendError(res, kind, 400, `Invalid JSON body: ${error instanceof Error ? error.message : String(error)}`);
    }
    const options = this.#options;
    const parsed = kind === 'generate' ? parseGenerate(body, options.defaultMaxNewTokens) : parseOpenAi(kind, body, options.defaultMaxNewTokens);
    if (!parsed.ok) return sendError(res, kind, 400, parsed.message);
    const request = parsed.request;
    this.#stats.accepted(request.prompts.flatMap((prompt) => (prompt.rid === undefined ? [] : [prompt.rid])));

    if (options.faults.hang) return this.#connections.hang(res);
    if (Math.random() < options.faults.failRate) return sendError(res, kind, 500, 'simulated failure (--fail-rate)');

    const signal = this.#connections.watchAbort(res);
    if (request.stream) return this.#stream(request, res, signal);
    return this.#whole(request, res, signal);
  }

  async #whole(request: ParsedRequest, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const outcomes = await Promise.all(
      request.prompts.map((prompt) => this.#engine.run({ promptTokens: prompt.tokens, maxNewTokens: request.maxNewTokens, stream: false }, signal, () => undefined)),
    );
    for (const outcome of outcomes) this.#stats.generationEnded(outcome.kind);
    if (outcomes.some((outcome) => outcome.kind === 'aborted')) return;
    if (outcomes.some((outcome) => outcome.kind === 'dropped')) return this.#connections.drop(res);
    const finished = outcomes.filter((outcome): outcome is Finished => outcome.kind === 'finished');
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
    const usageBody = usage(prompt.tokens.length, outcome.step.outputIds.length, outcome.step.cachedTokens, this.#options.enableCacheReport);
    sendJson(res, 200, completionBody(request.kind, this.#envelope(request), outcome.step.text, usageBody));
  }

  async #stream(request: ParsedRequest, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const prompt = request.prompts[0];
    if (prompt === undefined) return;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (body: unknown): void => {
      res.write(`data: ${JSON.stringify(body)}\n\n`);
    };
    const kind = request.kind;
    const started = performance.now();
    const generateId = responseId('generate', prompt.rid);
    const envelope = kind === 'generate' ? undefined : this.#envelope(request);
    if (kind === 'chat' && envelope !== undefined) send(completionChunk('chat', envelope, { role: 'assistant', content: '' }, null));

    const onToken = (step: TokenStep): void => {
      if (kind === 'generate') {
        send(generateBody({ id: generateId, step, promptTokens: prompt.tokens.length, finished: false, maxNewTokens: request.maxNewTokens, e2eLatencySeconds: (performance.now() - started) / 1000 }));
      } else if (envelope !== undefined) {
        send(completionChunk(kind, envelope, { content: step.delta }, null));
      }
    };
    const outcome = await this.#engine.run({ promptTokens: prompt.tokens, maxNewTokens: request.maxNewTokens, stream: true }, signal, onToken);
    this.#stats.generationEnded(outcome.kind);
    if (outcome.kind === 'aborted') return;
    if (outcome.kind === 'dropped') return this.#connections.drop(res);
    if (kind === 'generate') {
      // The last JSON chunk carries the final meta_info (finish_reason, token counts).
      send(generateBody({ id: generateId, step: outcome.step, promptTokens: prompt.tokens.length, finished: true, maxNewTokens: request.maxNewTokens, e2eLatencySeconds: outcome.e2eLatencySeconds }));
    } else if (envelope !== undefined) {
      send(completionChunk(kind, envelope, kind === 'chat' ? {} : { content: '' }, 'length'));
      if (request.includeUsage) send(usageChunk(kind, envelope, usage(prompt.tokens.length, outcome.step.outputIds.length, outcome.step.cachedTokens, this.#options.enableCacheReport)));
    }
    res.end('data: [DONE]\n\n');
  }

  #envelope(request: ParsedRequest): OpenAiEnvelope {
    return { id: responseId(request.kind, request.prompts[0]?.rid), created: Math.floor(Date.now() / 1000), model: request.model ?? this.#options.model };
  }
}
