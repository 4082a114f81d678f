// `mesos-ts master --fair_sharing_excluded_resource_names=disk,gpus` (Mesos's flag): the names are parsed, and a bad
// one is refused with a message naming the flag and the name.
import { describe, expect, test } from '@jest/globals';
import { parseResourceNames } from '../durations.js';
import { flagTexts } from '../../master/flag-texts.js';
import { DEFAULT_MASTER_FLAGS } from '../../master/flags.js';

describe('--fair_sharing_excluded_resource_names', () => {
  test('a comma-separated list of resource names, spaces trimmed', () => {
    expect(parseResourceNames('fair_sharing_excluded_resource_names', 'disk, gpus')).toEqual(['disk', 'gpus']);
    expect(parseResourceNames('fair_sharing_excluded_resource_names', 'disk')).toEqual(['disk']);
  });

  test('an empty or malformed name is refused, naming the flag', () => {
    expect(() => parseResourceNames('fair_sharing_excluded_resource_names', 'disk,,gpus')).toThrow('--fair_sharing_excluded_resource_names=disk,,gpus: "" is not a resource name');
    expect(() => parseResourceNames('fair_sharing_excluded_resource_names', 'disk;mem')).toThrow('"disk;mem" is not a resource name');
  });

  test('shown in /master/flags as Mesos writes it, only when set', () => {
    const shown = (names: string[]): string | undefined => new Map(flagTexts({ ...DEFAULT_MASTER_FLAGS, fairSharingExcludedResourceNames: names })).get('fair_sharing_excluded_resource_names');
    expect(shown(['disk', 'gpus'])).toBe('disk,gpus');
    expect(shown([])).toBeUndefined();
  });
});
