import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

export interface SseResult {
  status: number;
  headers: IncomingHttpHeaders;
  /** The payload of each `data:` event, in order (`[DONE]` included). */
  events: string[];
  /** Epoch ms at which each event arrived. */
  eventTimes: number[];
  /** True when the connection closed before the response ended cleanly. */
  truncated: boolean;
}

/** POSTs JSON and collects an event stream as it arrives; `onEvent` sees each `data:` payload as it arrives. */
export function postSse(url: string, body: unknown, headers: Record<string, string> = {}, onEvent?: (data: string) => void): Promise<SseResult> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, agent: false }, (res) => {
      const events: string[] = [];
      const eventTimes: number[] = [];
      let buffer = '';
      let truncated = false;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          for (const line of event.split('\n')) {
            if (line.startsWith('data: ')) {
              events.push(line.slice(6));
              eventTimes.push(performance.timeOrigin + performance.now());
              onEvent?.(line.slice(6));
            }
          }
        }
      });
      res.on('aborted', () => (truncated = true));
      res.on('error', () => (truncated = true));
      res.on('close', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, events, eventTimes, truncated: truncated || !res.complete }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

export function jsonEvents(result: SseResult): unknown[] {
  return result.events.filter((event) => event !== '[DONE]').map((event) => JSON.parse(event) as unknown);
}
