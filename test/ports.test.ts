// The harness's port leases: disjoint while held, outside the ephemeral range, bindable, given
// back on release, and a lease left by a dead process taken over.
import { describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { leasePorts } from './ports.js';

describe('leasePorts', () => {
  test('two leases never share a port; a released block can be leased again', async () => {
    const a = await leasePorts(3);
    const b = await leasePorts(32);
    expect(a.ports).toHaveLength(3);
    expect(b.ports).toHaveLength(32);
    expect(a.ports.filter((p) => b.ports.includes(p))).toEqual([]);
    for (const p of [...a.ports, ...b.ports]) expect(p >= 20_000 && p < 31_000).toBe(true);
    a.release();
    b.release();
    await expect(leasePorts(33)).rejects.toThrow('leasePorts(33): 1 to 32 ports');
  });

  test("a dead process's lease is taken over", async () => {
    const probe = await leasePorts(1);
    const start = probe.ports[0]!;
    probe.release();
    // pid 2^22+1 is above Linux's pid_max: no such process.
    writeFileSync(join(tmpdir(), 'mesos-ts-test-ports', String(start)), String(4_194_305));
    const again = await leasePorts(1);
    expect(again.ports[0]).toBe(start);
    again.release();
  });
});
