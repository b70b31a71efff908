/** An absolute http: or https: URL (what workers, routers and collectors are reached at). */
export function isHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const protocol = new URL(value).protocol;
  return protocol === 'http:' || protocol === 'https:';
}

/**
 * The URL without trailing slashes, so paths can be appended with a `/` and the same worker
 * given as `http://w:30001/` and `http://w:30001` is one worker.
 */
export function withoutTrailingSlash(url: string): string {
  let end = url.length;
  while (end > 0 && url.charCodeAt(end - 1) === 0x2f) end--;
  return url.slice(0, end);
}
