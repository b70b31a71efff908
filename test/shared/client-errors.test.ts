import { describe, expect, it } from 'vitest';
import { TraceApiError, TraceClient } from '#shared/client.js';
import { startTestCollector } from '../helpers/collector.js';

describe('TraceClient errors', async () => {
  const collector = await startTestCollector();
  const client = new TraceClient({ baseUrl: `${collector.url}/` });

  it('throws a TraceApiError with the status, the stable code and the whole error body', async () => {
    const error = await client.listTraces({ limit: 0 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TraceApiError);
    const body = { error: { code: 'invalid_parameter', message: "limit: expected an integer from 1 to 10000, got '0'" } };
    expect({ ...(error as TraceApiError) }).toEqual({ name: 'TraceApiError', status: 400, code: 'invalid_parameter', body });
    expect((error as TraceApiError).message).toBe("400 invalid_parameter: limit: expected an integer from 1 to 10000, got '0'");
  });

  it('answers null for an unknown request id instead of throwing (a base URL with a trailing slash works)', async () => {
    expect(await client.getTrace('never-sent')).toBeNull();
  });
});
