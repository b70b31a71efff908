#!/usr/bin/env node
import { FlagError, type FlagSpec, type FlagValues } from '#shared/cli/flags.js';
import { runCommand } from '#shared/cli/run-command.js';
import { REALISTIC_TIMING, SIM_DEFAULTS } from './options.js';
import { startSimWorker, type SimWorkerOptions } from './worker.js';

const FLAGS: readonly FlagSpec[] = [
  { name: 'host', kind: 'string', default: SIM_DEFAULTS.host, placeholder: 'HOST', description: 'Address to listen on.' },
  { name: 'port', kind: 'integer', default: 30001, min: 0, max: 65535, placeholder: 'PORT', description: 'Port to listen on (0 picks a free one).' },
  { name: 'name', kind: 'string', default: SIM_DEFAULTS.name, placeholder: 'NAME', description: 'Worker name, shown in /get_server_info.' },
  { name: 'model', kind: 'string', default: SIM_DEFAULTS.model, placeholder: 'NAME', description: 'Model name reported by /v1/models and OpenAI responses.' },
  { name: 'realistic', kind: 'boolean', default: false, description: 'Realistic timing: 20 ms + 0.1 ms per uncached prompt token to first token, 50 tokens/s.' },
  { name: 'first-token-base-ms', kind: 'number', min: 0, placeholder: 'MS', description: `Fixed part of time to first token (default: ${SIM_DEFAULTS.firstTokenBaseMs}).` },
  { name: 'prefill-ms-per-token', kind: 'number', min: 0, placeholder: 'MS', description: `Prefill time per uncached prompt token (default: ${SIM_DEFAULTS.prefillMsPerToken}).` },
  { name: 'decode-tokens-per-sec', kind: 'number', min: 0.001, placeholder: 'N', description: `Decode speed per request (default: ${SIM_DEFAULTS.decodeTokensPerSec}).` },
  { name: 'max-running-requests', kind: 'integer', default: SIM_DEFAULTS.maxRunningRequests, min: 1, placeholder: 'N', description: 'Requests running at once; the rest wait (reported by /get_load).' },
  { name: 'cache-capacity-tokens', kind: 'integer', default: SIM_DEFAULTS.cacheCapacityTokens, min: 1, placeholder: 'N', description: 'Prefix cache capacity in tokens (LRU eviction).' },
  { name: 'enable-cache-report', kind: 'boolean', default: SIM_DEFAULTS.enableCacheReport, description: 'Report usage.prompt_tokens_details.cached_tokens on OpenAI endpoints.' },
  { name: 'fail-rate', kind: 'number', default: 0, min: 0, max: 1, placeholder: 'P', description: 'Probability that a generation request answers 500.' },
  { name: 'hang', kind: 'boolean', default: false, description: 'Accept generation requests and never answer.' },
  { name: 'drop-after-tokens', kind: 'integer', default: 0, min: 0, placeholder: 'N', description: 'Close the connection after N output tokens (0: never).' },
  { name: 'unhealthy', kind: 'boolean', default: false, description: '/health and /health_generate answer 503.' },
];

function toOptions(values: FlagValues): SimWorkerOptions {
  const timing = values.boolean('realistic') === true ? REALISTIC_TIMING : {};
  const name = values.string('name');
  if (name === undefined) throw new FlagError('--name: required');
  return {
    ...timing,
    host: values.string('host'),
    port: values.number('port'),
    name,
    model: values.string('model'),
    ...(values.has('first-token-base-ms') ? { firstTokenBaseMs: values.number('first-token-base-ms') } : {}),
    ...(values.has('prefill-ms-per-token') ? { prefillMsPerToken: values.number('prefill-ms-per-token') } : {}),
    ...(values.has('decode-tokens-per-sec') ? { decodeTokensPerSec: values.number('decode-tokens-per-sec') } : {}),
    maxRunningRequests: values.number('max-running-requests'),
    cacheCapacityTokens: values.number('cache-capacity-tokens'),
    enableCacheReport: values.boolean('enable-cache-report'),
    faults: {
      failRate: values.number('fail-rate'),
      hang: values.boolean('hang'),
      dropAfterTokens: values.number('drop-after-tokens'),
      unhealthy: values.boolean('unhealthy'),
    },
  };
}

await runCommand({
  program: 'routetrace-sim',
  summary:
    'A simulated SGLang worker for tests, the demo and benchmarks (not the product): /generate and\n' +
    'the OpenAI endpoints with SGLang\'s shapes, a prefix cache, queueing and fault switches.',
  flags: FLAGS,
  toOptions,
  async start(options) {
    const worker = await startSimWorker(options);
    process.stdout.write(`${JSON.stringify({ msg: 'sim worker listening', name: worker.name, url: worker.url })}\n`);
    return worker;
  },
});
