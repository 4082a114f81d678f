// URIs checked at the edge, the fetcher flags, and the fetch's timeout.
import { describe, expect, test } from '@jest/globals';
import { agentFlags } from '../../flags.js';
import { parseBytes } from '../flags.js';
import { fetchForLaunch } from '../launch-fetch.js';
import type { FetchRequest, UriFetcher } from '../fetcher.js';
import { archiveKind, planUri } from '../uri.js';

describe('planUri', () => {
  test('sources, output names, extraction by suffix', () => {
    expect(planUri({ value: 'http://127.0.0.1:8080/a/app.tar.gz?x=1' })).toMatchObject({ source: { kind: 'http' }, outputFile: 'app.tar.gz', extract: 'tar', cache: false, executable: false });
    expect(planUri({ value: 'file:///opt/pkgs/tool.zip', cache: true })).toMatchObject({ source: { kind: 'file', path: '/opt/pkgs/tool.zip' }, outputFile: 'tool.zip', extract: 'zip', cache: true });
    expect(planUri({ value: '/opt/data.gz' })).toMatchObject({ source: { kind: 'file', path: '/opt/data.gz' }, extract: 'gz' });
    expect(planUri({ value: '/opt/app.tgz', extract: false }).extract).toBeUndefined();
    expect(planUri({ value: '/opt/run.tar', executable: true })).toMatchObject({ executable: true, extract: undefined });
    expect(planUri({ value: 'https://h/x', output_file: 'bin/./tool' }).outputFile).toBe('bin/tool');
    expect(planUri({ value: 'https://h/p/my%20file.txt' }).outputFile).toBe('my file.txt');
    for (const n of ['a.tar', 'a.tar.gz', 'a.tgz', 'a.tar.bz2', 'a.tbz2', 'a.tar.xz', 'a.txz']) expect(archiveKind(n)).toBe('tar');
    expect(archiveKind('a.txt')).toBeUndefined();
  });

  test('bad URIs are refused naming what is wrong', () => {
    expect(() => planUri({ value: '' })).toThrow('empty');
    expect(() => planUri({ value: 'relative/app.tar' })).toThrow('relative path');
    expect(() => planUri({ value: 'hdfs://nn/app.tar' })).toThrow("scheme 'hdfs' is not supported");
    expect(() => planUri({ value: 'http://h/' })).toThrow('file name of the URI');
    expect(() => planUri({ value: 'http://h/a', output_file: '../../etc/passwd' })).toThrow("no '..'");
    expect(() => planUri({ value: 'http://h/a', output_file: '/etc/passwd' })).toThrow('relative to the sandbox');
    expect(() => planUri({ value: 'http://[::1' })).toThrow('not a valid URL');
  });
});

describe('fetcher flags', () => {
  test('Mesos byte sizes; bad values name the flag', () => {
    expect(parseBytes('2GB')).toBe(2 * 1024 ** 3);
    expect(parseBytes('512MB')).toBe(512 * 1024 ** 2);
    expect(parseBytes('100')).toBe(100);
    expect(parseBytes('10 kb')).toBe(10240);
    expect(parseBytes('lots')).toBeUndefined();
    expect(agentFlags({ fetcher_cache_size: '1GB', fetcher_cache_dir: '/var/cache/f' })).toMatchObject({ fetcher_cache_size: 1024 ** 3, fetcher_cache_dir: '/var/cache/f' });
    expect(() => agentFlags({ fetcher_cache_size: 'lots' })).toThrow('--fetcher_cache_size=lots: expected a size');
    expect(() => agentFlags({ fetcher_cache_dir: 'rel/dir' })).toThrow('--fetcher_cache_dir=rel/dir: expected an absolute');
    expect(agentFlags({ fetcher_max_extracted_size: '1GB' }).fetcher_max_extracted_size).toBe(1024 ** 3);
    expect(() => agentFlags({ fetcher_max_extracted_size: '0' })).toThrow('--fetcher_max_extracted_size=0: expected a size');
  });
});

describe('fetchForLaunch', () => {
  /** A fetcher whose fetch ends only when its signal aborts. */
  const hanging: UriFetcher = {
    fetch: (req: FetchRequest) => new Promise<void>((_resolve, reject) => req.signal.addEventListener('abort', () => reject(req.signal.reason as Error))),
    metrics: () => ({}),
  };

  test('the fetch is aborted when the registration timeout passes, saying so', async () => {
    let fire: (() => void) | undefined;
    let cancelled = false;
    const f = fetchForLaunch(hanging, [{ value: 'http://127.0.0.1:1/x.tar' }], { sandbox: '/s' }, {
      ms: 60_000,
      text: '1mins',
      delay: (_ms, fn) => {
        fire = fn;
        return { cancel: () => (cancelled = true) };
      },
    });
    fire!();
    await expect(f.done).rejects.toThrow('the fetch did not finish within --executor_registration_timeout=1mins');
    expect(cancelled).toBe(true);
  });

  test('abort (a kill while launching) ends the fetch; no URIs: nothing is fetched and no timer set', async () => {
    const f = fetchForLaunch(hanging, [{ value: '/x' }], { sandbox: '/s' }, { ms: 1, text: '1ms', delay: () => ({ cancel: () => {} }) });
    f.abort('the task was killed');
    await expect(f.done).rejects.toThrow('the task was killed');
    let timers = 0;
    const none = fetchForLaunch(hanging, [], { sandbox: '/s' }, { ms: 1, text: '1ms', delay: () => (timers++, { cancel: () => {} }) });
    await none.done;
    expect(timers).toBe(0);
  });
});
