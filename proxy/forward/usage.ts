import { isRecord } from '#shared/guards.js';
/** Token counts from a worker's answer: `/generate`'s meta_info or OpenAI's usage. */
export interface Usage {
  promptTokens?: number;
  completionTokens?: number;
  /** Absent when the worker does not report it (OpenAI endpoints without --enable-cache-report, or a miss). */
  cachedTokens?: number;
  model?: string;
  /** An error the worker sent inside a 200 stream (`data: {"error": …}`). */
  error?: string;
}

const count = (value: unknown): number | undefined => (typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined);

function add(total: number | undefined, value: number | undefined): number | undefined {
  return value === undefined ? total : (total ?? 0) + value;
}

/** Usage from one JSON value; a batched `/generate` answer (an array) is summed. */
export function usageFrom(value: unknown): Usage | undefined {
  if (Array.isArray(value)) {
    const parts = value.map(usageFrom).filter((usage): usage is Usage => usage !== undefined);
    if (parts.length === 0) return undefined;
    const usage: Usage = {};
    for (const part of parts) {
      usage.promptTokens = add(usage.promptTokens, part.promptTokens);
      usage.completionTokens = add(usage.completionTokens, part.completionTokens);
      usage.cachedTokens = add(usage.cachedTokens, part.cachedTokens);
    }
    return usage;
  }
  if (!isRecord(value)) return undefined;
  if (isRecord(value.error)) return { error: typeof value.error.message === 'string' ? value.error.message : JSON.stringify(value.error) };
  const model = typeof value.model === 'string' ? value.model : undefined;
  if (isRecord(value.meta_info)) {
    const meta = value.meta_info;
    return { promptTokens: count(meta.prompt_tokens), completionTokens: count(meta.completion_tokens), cachedTokens: count(meta.cached_tokens), model };
  }
  if (isRecord(value.usage)) {
    const usage = value.usage;
    const details = isRecord(usage.prompt_tokens_details) ? usage.prompt_tokens_details : undefined;
    return { promptTokens: count(usage.prompt_tokens), completionTokens: count(usage.completion_tokens), cachedTokens: count(details?.cached_tokens), model };
  }
  return model === undefined ? undefined : { model };
}
