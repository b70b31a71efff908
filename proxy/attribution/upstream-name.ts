/** One router header value, taken apart. */
export interface UpstreamName {
  /** The last entry (the server that answered), `@rank` removed. */
  name: string;
  /** Lower-case `hostname:port` with the scheme's default port filled in, when `name` has one. */
  hostPort: string | undefined;
  /** `host:port` as written (for the node id of a worker not in --worker-urls). */
  display: string;
  /** `name` as an http(s) URL without trailing slashes, when it is one. */
  url: string | undefined;
  dpRank: number | undefined;
  /** Entries in the list: nginx appends one per upstream it tried. */
  attempts: number;
}

const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/;
const HAS_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
/** SGLang Model Gateway appends `@<rank>` to a data-parallel worker's URL. */
const DP_RANK = /@(\d{1,5})$/;
const MAX_DP_RANK = 65535;
const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

/** `hostname:port` of a URL, lower case, default port filled in; undefined when it is no URL. */
export function hostPortKey(url: string): string | undefined {
  if (!URL.canParse(url)) return undefined;
  const parsed = new URL(url);
  const port = parsed.port !== '' ? parsed.port : DEFAULT_PORTS[parsed.protocol];
  return port === undefined || parsed.hostname === '' ? undefined : `${parsed.hostname.toLowerCase()}:${port}`;
}

function hostPortOf(text: string): { hostPort: string; display: string; url: string | undefined } | undefined {
  if (HOST_PORT.test(text)) {
    const hostPort = hostPortKey(`http://${text}`);
    return hostPort === undefined ? undefined : { hostPort, display: text, url: undefined };
  }
  if (HAS_SCHEME.test(text) && URL.canParse(text)) {
    const parsed = new URL(text);
    // `http://user@host` is not a worker name routers send: only accept plain origins (+ path).
    if (parsed.username !== '' || parsed.password !== '') return undefined;
    const hostPort = hostPortKey(text);
    if (hostPort === undefined) return undefined;
    const isHttp = parsed.protocol === 'http:' || parsed.protocol === 'https:';
    return { hostPort, display: parsed.host, url: isHttp ? text.replace(/\/+$/, '') : undefined };
  }
  return undefined;
}

/**
 * Parses a worker-naming header value. nginx's `$upstream_addr` separates the servers tried
 * with ", " and internal redirects between upstream groups with " : " (ngx_http_upstream
 * module docs); the last entry is the one whose response the client got. Undefined for a value
 * with no usable entry.
 */
export function parseUpstreamName(value: string): UpstreamName | undefined {
  const entries = value
    .split(/\s*,\s*|\s+:\s+/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const last = entries.at(-1);
  if (last === undefined) return undefined;

  let name = last;
  let dpRank: number | undefined;
  const rank = DP_RANK.exec(last);
  if (rank?.[1] !== undefined) {
    const withoutRank = last.slice(0, rank.index);
    const rankValue = Number(rank[1]);
    if (rankValue <= MAX_DP_RANK && hostPortOf(withoutRank) !== undefined) {
      name = withoutRank;
      dpRank = rankValue;
    }
  }
  const address = hostPortOf(name);
  return {
    name,
    hostPort: address?.hostPort,
    display: address?.display ?? name,
    url: address?.url,
    dpRank,
    attempts: entries.length,
  };
}
