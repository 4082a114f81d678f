import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentialsMap, parseCredentials, readCredentialFile, readCredentialsFile } from '../credentials.js';
import { protocolError } from './helpers.js';

describe('credentials files', () => {
  test("the master's list form, the single form and the text form", () => {
    expect(parseCredentials('{"credentials":[{"principal":"a","secret":"x"},{"principal":"b","secret":"y"}]}'))
      .toEqual([{ principal: 'a', secret: 'x' }, { principal: 'b', secret: 'y' }]);
    expect(parseCredentials('{"principal":"agent","secret":"s3"}')).toEqual([{ principal: 'agent', secret: 's3' }]);
    expect(parseCredentials('# comment\nops  pw1\n\nweb pw2\n')).toEqual([{ principal: 'ops', secret: 'pw1' }, { principal: 'web', secret: 'pw2' }]);
    expect(credentialsMap(parseCredentials('a x\nb y')).get('b')).toBe('y');
  });

  test('a bad entry is named', () => {
    expect(protocolError(() => parseCredentials('{"credentials":[{"principal":"a","secret":"x"},{"principal":"a","secret":"y"}]}')).message)
      .toContain("credentials[1]: principal 'a' appears twice");
    expect(protocolError(() => parseCredentials('{"credentials":[{"principal":"a b","secret":"x"}]}')).message).toContain('credentials[0]');
    expect(protocolError(() => parseCredentials('{"principal":"a:b","secret":"x"}')).message).toContain("without spaces or ':'");
    expect(protocolError(() => parseCredentials('{"principal":"a","secret":""}')).message).toContain("secret of 'a'");
    expect(protocolError(() => parseCredentials('{"credentials":{}}')).message).toContain("'credentials' must be an array");
    expect(protocolError(() => parseCredentials('{not json')).code).toBe('E_BAD_CREDENTIALS');
    expect(protocolError(() => parseCredentials('one two three')).message).toContain('line 1');
  });

  test('files: file:// accepted, a missing file and a list where one is expected are clear errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesos-ts-cred-'));
    writeFileSync(join(dir, 'many'), '{"credentials":[{"principal":"a","secret":"x"},{"principal":"b","secret":"y"}]}');
    writeFileSync(join(dir, 'one'), '{"principal":"a","secret":"x"}');
    expect(readCredentialsFile(`file://${join(dir, 'many')}`)).toHaveLength(2);
    expect(readCredentialFile(join(dir, 'one'))).toEqual({ principal: 'a', secret: 'x' });
    expect(protocolError(() => readCredentialFile(join(dir, 'many'))).message).toContain('exactly one credential, found 2');
    expect(protocolError(() => readCredentialsFile(join(dir, 'absent'))).message).toContain('cannot be read');
  });
});
