import { isRecord } from '#shared/guards.js';
/** The SGLang endpoints whose JSON bodies the proxy reads (for routing text, rid and model). */
export const PARSED_PATHS = new Set(['/generate', '/v1/completions', '/v1/chat/completions']);

export interface RequestFacts {
  /** The text cache_aware routes on: `/generate` text (or input_ids), `prompt`, or the chat messages' contents. */
  promptText: string;
  /** The body's `rid` when it is a single string. */
  rid: string | undefined;
  model: string | undefined;
  stream: boolean | undefined;
  /** A single (non-batched) request without a rid: one can be injected. */
  canInjectRid: boolean;
}


function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : '')).join('');
  return '';
}

function promptText(path: string, body: Record<string, unknown>): string {
  if (path === '/generate') {
    if (typeof body.text === 'string') return body.text;
    if (Array.isArray(body.text)) return body.text.filter((item) => typeof item === 'string').join('\n');
    if (Array.isArray(body.input_ids)) return body.input_ids.flat().join(' ');
    return '';
  }
  if (path === '/v1/completions') {
    if (typeof body.prompt === 'string') return body.prompt;
    if (Array.isArray(body.prompt)) return body.prompt.flat().join(' ');
    return '';
  }
  if (Array.isArray(body.messages)) return body.messages.map((message) => (isRecord(message) ? contentText(message.content) : '')).join('\n');
  return '';
}

function isBatched(path: string, body: Record<string, unknown>): boolean {
  if (path !== '/generate') return false;
  return Array.isArray(body.text) || (Array.isArray(body.input_ids) && body.input_ids.some((item) => Array.isArray(item)));
}

/** Facts from a parsed body; undefined when the body is not a JSON object. */
export function inspectBody(path: string, body: unknown): RequestFacts | undefined {
  if (!isRecord(body)) return undefined;
  return {
    promptText: promptText(path, body),
    rid: typeof body.rid === 'string' ? body.rid : undefined,
    model: typeof body.model === 'string' ? body.model : undefined,
    stream: typeof body.stream === 'boolean' ? body.stream : undefined,
    canInjectRid: body.rid === undefined && !isBatched(path, body),
  };
}
