/**
 * Addresses outbound HTTP must never reach unless allow-listed: the corpus the guarded client's tests, the HTTP
 * action's and code steps' ctx.fetch are all checked against. `{port}` is replaced by a local server's port.
 */
export const BLOCKED_HOSTS = ['169.254.169.254', '10.0.0.1', '100.64.0.1', '0.0.0.0', '[::ffff:127.0.0.1]', '[fd00::1]', '[fe80::1]'] as const;

/** URLs reaching a loopback server on `port` (literal, name, IPv6) and the metadata, private and special ranges. */
export function ssrfUrls(port: number): string[] {
  return [
    `http://127.0.0.1:${port}/json`,
    `http://localhost:${port}/json`,
    `http://[::1]:${port}/json`,
    ...BLOCKED_HOSTS.map((host) => `http://${host}/latest/meta-data/`),
  ];
}

/** Schemes other than http(s): refused before any lookup. */
export const FOREIGN_SCHEME_URLS = ['file:///etc/passwd', 'ftp://example.com/', 'data:text/plain,hello'] as const;
