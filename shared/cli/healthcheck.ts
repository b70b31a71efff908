#!/usr/bin/env node
/**
 * Container healthcheck: exits 0 when GET $ROUTETRACE_HEALTH_URL (default the collector's
 * http://127.0.0.1:30010/health) answers 200 within 3 s, else 1. No curl in the image needed.
 */
const url = process.argv[2] ?? process.env.ROUTETRACE_HEALTH_URL ?? 'http://127.0.0.1:30010/health';
try {
  const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
  process.exit(response.status === 200 ? 0 : 1);
} catch {
  process.exit(1);
}
