/** IP address and CIDR syntax (net.ParseIP / ParseCIDR), used for services, endpoints and nodes. */
import { isIP } from 'node:net';

export function isValidIp(value: string): string[] {
  return isIP(value) ? [] : ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'];
}

export function isValidCidr(value: string): string[] {
  const [ip, bits, ...rest] = value.split('/');
  const family = isIP(ip ?? '');
  const max = family === 6 ? 128 : 32;
  const n = Number(bits);
  if (rest.length || !family || bits === undefined || !/^\d+$/.test(bits) || n > max) {
    return ['must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'];
  }
  return [];
}
