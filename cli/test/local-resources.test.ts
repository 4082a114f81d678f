// `mesos-ts local`: agents on one machine get disjoint port ranges unless the user names ports.
import { describe, expect, test } from '@jest/globals';
import { agentResources } from '../commands/local.js';
import { Resources } from '../../protocol/resources.js';

describe('local: resources given to each agent', () => {
  test('no --resources: each agent its own slice of [31000-32000], none overlapping', () => {
    const slices = [0, 1, 2].map((i) => Resources.parse(agentResources(undefined, i, 3)));
    for (let a = 0; a < 3; a++) for (let b = a + 1; b < 3; b++) expect(slices[a]!.subtract(slices[b]!).toString()).toBe(slices[a]!.toString());
    expect(agentResources(undefined, 0, 3)).toBe('ports:[31000-31332]');
    expect(agentResources(undefined, 2, 3)).toBe('ports:[31666-31998]');
  });

  test('--resources without ports gets the slice added; with ports it is left alone', () => {
    expect(agentResources('cpus:2;mem:512', 1, 2)).toBe('cpus:2;mem:512;ports:[31500-31999]');
    expect(agentResources('cpus:1;ports:[5000-5001]', 0, 4)).toBe('cpus:1;ports:[5000-5001]');
  });
});
