// mDNS isolation: masters of two clusters announced on one machine; a search for one cluster's
// --mdns_name finds its master and never the other's (a search waits out its whole window, so a
// wrong answer would be seen), and a bad --mdns_name is refused naming the flag.
import { afterAll, describe, expect, test } from '@jest/globals';
import { announceMaster, findMastersByMdns, parseMdnsName, type Announcement } from '../discovery.js';

const announced: Announcement[] = [];
afterAll(async () => {
  await Promise.all(announced.map((a) => a.stop()));
});

describe('--mdns_name', () => {
  test('a search finds only the masters of its own cluster', async () => {
    const a = `mdns-a-${process.pid}`;
    const b = `mdns-b-${process.pid}`;
    announced.push(announceMaster('master@127.0.0.1:1', 1, a), announceMaster('master@127.0.0.1:2', 2, b));
    const [foundA, foundB] = await Promise.all([findMastersByMdns(1500, false, 0, a), findMastersByMdns(1500, false, 0, b)]);
    expect(foundA).toEqual(['master@127.0.0.1:1']);
    expect(foundB).toEqual(['master@127.0.0.1:2']);
  });

  test('a bad name is refused, naming the flag', () => {
    expect(parseMdnsName('team-7.test_x')).toBe('team-7.test_x');
    expect(() => parseMdnsName('has space')).toThrow("--mdns_name=has space: expected 1 to 63 letters, digits, '.', '_' or '-'");
    expect(() => parseMdnsName('')).toThrow('--mdns_name=');
  });
});
