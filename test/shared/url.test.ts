import { describe, expect, it } from 'vitest';
import { isHttpUrl, withoutTrailingSlash } from '#shared/url.js';

describe('isHttpUrl', () => {
  it('accepts absolute http and https URLs', () => {
    expect(['http://127.0.0.1:30001', 'https://w1.example/', 'http://[::1]:8080/v1'].map(isHttpUrl)).toEqual([true, true, true]);
  });

  it('refuses other schemes, relative references and text that is not a URL', () => {
    expect(['ftp://w1', 'file:///etc/passwd', 'javascript:alert(1)', '/generate', 'w1:30001x', '', 'http//w1'].map(isHttpUrl)).toEqual([false, false, false, false, false, false, false]);
  });
});

describe('withoutTrailingSlash', () => {
  it('removes every trailing slash and nothing else', () => {
    expect(['http://w:1/', 'http://w:1//', 'http://w:1', 'http://w:1/a/', '/', ''].map(withoutTrailingSlash)).toEqual(['http://w:1', 'http://w:1', 'http://w:1', 'http://w:1/a', '', '']);
  });
});
