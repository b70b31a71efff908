import { randomUUID } from 'node:crypto';
import type { TokenStep } from './engine.js';
import { tokenize } from './tokenizer.js';
import { isRecord } from '#shared/guards.js';

/**
 * Request parsing and response shapes of SGLang's /generate and OpenAI-compatible endpoints,
 * field for field as in ../shared/reference/sglang-api.md.
 */
export type ApiKind = 'generate' | 'completions' | 'chat';

export interface ParsedPrompt {
  tokens: number[];
  rid: string | undefined;
}

export interface ParsedRequest {
  kind: ApiKind;
  /** More than one only for a batched /generate (text or input_ids as a list). */
  prompts: ParsedPrompt[];
  batched: boolean;
  maxNewTokens: number;
  stream: boolean;
  includeUsage: boolean;
  model: string | undefined;
}

export type ParseResult = { ok: true; request: ParsedRequest } | { ok: false; message: string };

const isTokenList = (value: unknown): value is number[] => Array.isArray(value) && value.every((item) => Number.isInteger(item));

function positiveInt(value: unknown, fallback: number): number | undefined {
  if (value === undefined || value === null) return fallback;
  return Number.isInteger(value) && Number(value) >= 0 ? Number(value) : undefined;
}

function rids(value: unknown, count: number): Array<string | undefined> {
  if (typeof value === 'string') return count === 1 ? [value] : Array.from({ length: count }, (_, i) => `${value}_${i}`);
  if (Array.isArray(value)) return Array.from({ length: count }, (_, i) => (typeof value[i] === 'string' ? String(value[i]) : undefined));
  return Array.from({ length: count }, () => undefined);
}

export function parseGenerate(body: unknown, defaultMaxNewTokens: number): ParseResult {
  if (!isRecord(body)) return { ok: false, message: 'Either text, input_ids or input_embeds should be provided.' };
  let inputs: number[][];
  let batched = false;
  if (typeof body.text === 'string') inputs = [tokenize(body.text)];
  else if (Array.isArray(body.text) && body.text.length > 0 && body.text.every((t) => typeof t === 'string')) {
    inputs = body.text.map((text: string) => tokenize(text));
    batched = true;
  } else if (isTokenList(body.input_ids) && body.input_ids.length > 0) inputs = [body.input_ids];
  else if (Array.isArray(body.input_ids) && body.input_ids.length > 0 && body.input_ids.every(isTokenList)) {
    inputs = body.input_ids;
    batched = true;
  } else return { ok: false, message: 'Either text, input_ids or input_embeds should be provided.' };

  const sampling = isRecord(body.sampling_params) ? body.sampling_params : {};
  const maxNewTokens = positiveInt(sampling.max_new_tokens, defaultMaxNewTokens);
  if (maxNewTokens === undefined) return { ok: false, message: 'max_new_tokens must be a non-negative integer.' };
  const stream = body.stream === true;
  if (stream && batched) return { ok: false, message: 'The simulator does not stream batched requests.' };
  const ids = rids(body.rid, inputs.length);
  return {
    ok: true,
    request: {
      kind: 'generate',
      prompts: inputs.map((tokens, i) => ({ tokens, rid: ids[i] })),
      batched,
      maxNewTokens,
      stream,
      includeUsage: false,
      model: undefined,
    },
  };
}

function chatTemplate(messages: unknown[]): string | undefined {
  let text = '';
  for (const message of messages) {
    if (!isRecord(message) || typeof message.role !== 'string') return undefined;
    const content =
      typeof message.content === 'string' ? message.content
      : Array.isArray(message.content)
        ? message.content.map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : '')).join('')
        : '';
    text += `<|${message.role}|>\n${content}\n`;
  }
  return `${text}<|assistant|>\n`;
}

export function parseOpenAi(kind: 'completions' | 'chat', body: unknown, defaultMaxNewTokens: number): ParseResult {
  if (!isRecord(body)) return { ok: false, message: 'The request body must be a JSON object.' };
  let prompt: number[] | undefined;
  if (kind === 'chat') {
    const text = Array.isArray(body.messages) && body.messages.length > 0 ? chatTemplate(body.messages) : undefined;
    if (text === undefined) return { ok: false, message: "'messages' must be a non-empty list of {role, content}." };
    prompt = tokenize(text);
  } else if (typeof body.prompt === 'string') prompt = tokenize(body.prompt);
  else if (Array.isArray(body.prompt) && body.prompt.length === 1 && typeof body.prompt[0] === 'string') prompt = tokenize(body.prompt[0]);
  else if (isTokenList(body.prompt) && body.prompt.length > 0) prompt = body.prompt;
  else return { ok: false, message: "'prompt' must be a string or a list of token ids." };

  const maxNewTokens = positiveInt(body.max_completion_tokens ?? body.max_tokens, kind === 'chat' ? defaultMaxNewTokens : 16);
  if (maxNewTokens === undefined) return { ok: false, message: "'max_tokens' must be a non-negative integer." };
  const streamOptions = isRecord(body.stream_options) ? body.stream_options : {};
  return {
    ok: true,
    request: {
      kind,
      prompts: [{ tokens: prompt, rid: typeof body.rid === 'string' ? body.rid : undefined }],
      batched: false,
      maxNewTokens,
      stream: body.stream === true,
      includeUsage: streamOptions.include_usage === true,
      model: typeof body.model === 'string' ? body.model : undefined,
    },
  };
}

export function responseId(kind: ApiKind, rid: string | undefined): string {
  if (rid !== undefined) return rid;
  const hex = randomUUID().replaceAll('-', '');
  return kind === 'generate' ? hex : kind === 'chat' ? `chatcmpl-${hex}` : `cmpl-${hex}`;
}

export interface MetaInfoInput {
  id: string;
  step: TokenStep;
  promptTokens: number;
  finished: boolean;
  maxNewTokens: number;
  e2eLatencySeconds: number;
}

/** /generate's body (and each of its stream chunks): cumulative text and running meta_info. */
export function generateBody(input: MetaInfoInput): Record<string, unknown> {
  return {
    text: input.step.text,
    output_ids: input.step.outputIds,
    meta_info: {
      id: input.id,
      finish_reason: input.finished ? { type: 'length', length: input.maxNewTokens } : null,
      prompt_tokens: input.promptTokens,
      completion_tokens: input.step.outputIds.length,
      cached_tokens: input.step.cachedTokens,
      e2e_latency: Number(input.e2eLatencySeconds.toFixed(6)),
      weight_version: 'default',
      num_retractions: 0,
      reasoning_tokens: 0,
    },
  };
}

export function usage(promptTokens: number, completionTokens: number, cachedTokens: number, cacheReport: boolean): Record<string, unknown> {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    // SGLang fills prompt_tokens_details only with --enable-cache-report and a non-zero count.
    prompt_tokens_details: cacheReport && cachedTokens > 0 ? { cached_tokens: cachedTokens } : null,
    reasoning_tokens: 0,
  };
}

export interface OpenAiEnvelope {
  id: string;
  created: number;
  model: string;
}

export function completionBody(kind: 'completions' | 'chat', envelope: OpenAiEnvelope, text: string, usageBody: Record<string, unknown>): Record<string, unknown> {
  const choice =
    kind === 'chat'
      ? { index: 0, message: { role: 'assistant', content: text, reasoning_content: null, tool_calls: null }, logprobs: null, finish_reason: 'length', matched_stop: null }
      : { index: 0, text, logprobs: null, finish_reason: 'length', matched_stop: null };
  return { ...envelope, object: kind === 'chat' ? 'chat.completion' : 'text_completion', choices: [choice], usage: usageBody };
}

export function completionChunk(
  kind: 'completions' | 'chat',
  envelope: OpenAiEnvelope,
  delta: { role?: string; content?: string } | undefined,
  finishReason: string | null,
): Record<string, unknown> {
  const choice =
    kind === 'chat'
      ? { index: 0, delta: delta ?? {}, logprobs: null, finish_reason: finishReason, matched_stop: null }
      : { index: 0, text: delta?.content ?? '', logprobs: null, finish_reason: finishReason, matched_stop: null };
  return { ...envelope, object: kind === 'chat' ? 'chat.completion.chunk' : 'text_completion', choices: [choice], usage: null };
}

export function usageChunk(kind: 'completions' | 'chat', envelope: OpenAiEnvelope, usageBody: Record<string, unknown>): Record<string, unknown> {
  return { ...envelope, object: kind === 'chat' ? 'chat.completion.chunk' : 'text_completion', choices: [], usage: usageBody };
}
