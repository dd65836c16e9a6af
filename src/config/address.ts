/**
 * Cluster API addresses: https, or plain http only to a loopback host
 * (local development, the simulator). TLS is always verified.
 */
import { isIP } from 'node:net';

/** True for localhost, 127.0.0.0/8 and ::1. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

/**
 * Validate a cluster address.
 * @returns the normalised base URL (no trailing slash), or an error text.
 */
export function checkClusterAddress(raw: string): { ok: true; url: string } | { ok: false; problem: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, problem: `not a URL: ${JSON.stringify(raw)}` };
  }
  if (url.protocol === 'https:') return { ok: true, url: raw.replace(/\/+$/, '') };
  if (url.protocol === 'http:') {
    if (isLoopbackHost(url.hostname)) return { ok: true, url: raw.replace(/\/+$/, '') };
    return { ok: false, problem: `plain http is refused for the non-loopback host ${url.hostname}; use https (TLS is verified against the cluster CA)` };
  }
  return { ok: false, problem: `unsupported scheme ${url.protocol}` };
}
