import { isIP } from 'node:net';

/**
 * Whether a host name or address (brackets and a `:port` allowed: `[::1]:3000`, `localhost:8787`) is one only
 * this machine can reach: `localhost`, 127.0.0.0/8 or ::1 (also written as IPv4-mapped `::ffff:127.x.x.x`).
 */
export function isLoopbackHost(host: string): boolean {
  let h = host.trim().toLowerCase();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(h);
  if (bracketed) h = bracketed[1]!;
  else if (isIP(h) !== 6) h = h.replace(/:\d+$/, '');
  if (h === 'localhost' || h === '::1') return true;
  if (h.startsWith('::ffff:')) h = h.slice('::ffff:'.length);
  return isIP(h) === 4 && h.startsWith('127.');
}
