import { describe, expect, it } from 'vitest';
import { classifyAddress } from './address-guard';

describe('classifyAddress', () => {
  it('lets public unicast addresses through', () => {
    expect(classifyAddress('93.184.216.34')).toEqual({ blocked: false, range: 'unicast' });
    expect(classifyAddress('2606:2800:220:1:248:1893:25c8:1946')).toEqual({ blocked: false, range: 'unicast' });
  });

  it('blocks loopback, private, link-local and other special ranges, by their ipaddr.js name', () => {
    expect(classifyAddress('127.0.0.1')).toEqual({ blocked: true, range: 'loopback' });
    expect(classifyAddress('10.1.2.3')).toEqual({ blocked: true, range: 'private' });
    expect(classifyAddress('169.254.169.254')).toEqual({ blocked: true, range: 'linkLocal' });
    expect(classifyAddress('::1')).toEqual({ blocked: true, range: 'loopback' });
    expect(classifyAddress('fe80::1')).toEqual({ blocked: true, range: 'linkLocal' });
    expect(classifyAddress('0.0.0.0')).toEqual({ blocked: true, range: 'unspecified' });
  });

  it('classifies IPv4-mapped IPv6 as the IPv4 address it stands for', () => {
    expect(classifyAddress('::ffff:127.0.0.1')).toEqual({ blocked: true, range: 'loopback' });
    expect(classifyAddress('::ffff:93.184.216.34')).toEqual({ blocked: false, range: 'unicast' });
  });

  it('blocks IPv6 "unicast" outside 2000::/3, and anything that is not an address', () => {
    expect(classifyAddress('::a00:1')).toEqual({ blocked: true, range: 'reserved' });
    expect(classifyAddress('4000::1')).toEqual({ blocked: true, range: 'reserved' });
    expect(classifyAddress('example.com')).toEqual({ blocked: true, range: 'invalid' });
  });
});
