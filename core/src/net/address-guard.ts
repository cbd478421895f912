import ipaddr from 'ipaddr.js';

/** What an IP address is, for deciding whether actions may connect to it. */
export interface AddressClass {
  /** True for every address that is not public unicast, and for a string that is not an address. */
  blocked: boolean;
  /** The ipaddr.js range name (`unicast`, `loopback`, `private`, `linkLocal`…), `reserved` or `invalid`. */
  range: string;
}

/** 2000::/3: the only IPv6 block in use for global unicast (ipaddr.js calls e.g. `::a00:1` "unicast"). */
const IPV6_GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3');

/**
 * Classifies an IP address: only public unicast addresses are not blocked. Private, loopback,
 * link-local, multicast and the other special ranges are blocked, as is an IPv6 "unicast" address
 * outside 2000::/3. IPv4-mapped IPv6 (`::ffff:127.0.0.1`) is classified as the IPv4 address it stands for.
 * Pure: no DNS, no allow-list (callers apply their own exceptions).
 */
export function classifyAddress(ip: string): AddressClass {
  let address: ReturnType<typeof ipaddr.parse>;
  try {
    address = ipaddr.process(ip);
  } catch {
    return { blocked: true, range: 'invalid' };
  }
  const range = address.range();
  if (range !== 'unicast') return { blocked: true, range };
  if (address.kind() === 'ipv6' && !address.match(IPV6_GLOBAL_UNICAST)) return { blocked: true, range: 'reserved' };
  return { blocked: false, range };
}
