/** Prompt families with long shared prefixes: cache_aware keeps each family on one worker. */
const FAMILIES = [
  'You are a customer-support assistant for a GPU cloud. Answer politely, cite the knowledge base, and keep it short. ',
  'You are a senior Python reviewer. Point out bugs first, then style, and suggest a minimal patch. ',
  'You are a travel planner. Propose a three-day itinerary with trains, not flights, and a budget. ',
];

/** Sends `count` requests through the proxy, four at a time, mixing /generate and chat, streamed and not. */
export async function sendTraffic(proxyUrl: string, count: number, idPrefix: string): Promise<void> {
  const send = async (i: number): Promise<void> => {
    const family = FAMILIES[i % FAMILIES.length] ?? '';
    const chat = i % 2 === 1;
    const body = chat
      ? { messages: [{ role: 'system', content: family }, { role: 'user', content: `Question ${i}?` }], max_tokens: 8, stream: i % 4 === 1, stream_options: { include_usage: true } }
      : { text: `${family}Question ${i}: what should I check first?`, sampling_params: { max_new_tokens: 8 } };
    const response = await fetch(`${proxyUrl}${chat ? '/v1/chat/completions' : '/generate'}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': `${idPrefix}-${i}` },
      body: JSON.stringify(body),
    });
    await response.text();
  };
  for (let i = 0; i < count; i += 4) await Promise.all(Array.from({ length: Math.min(4, count - i) }, (_, j) => send(i + j)));
}
