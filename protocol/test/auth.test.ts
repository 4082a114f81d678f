import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aclsOf, NO_ACLS, parseAcls } from '../auth/acls.js';
import { Authorizer, authorize } from '../auth/authorizer.js';
import { basicHeader, checkBasic, parseBasic } from '../auth/basic.js';
import { HttpAuthenticator } from '../auth/http.js';
import { credentialsMap } from '../credentials.js';
import { protocolError } from './helpers.js';

const creds = credentialsMap([{ principal: 'ops', secret: 's3cret:with:colons' }, { principal: 'fw', secret: 'x' }]);

describe('HTTP Basic authentication', () => {
  test('parses principal:secret (the secret may hold colons)', () => {
    expect(parseBasic(basicHeader('ops', 'a:b'))).toEqual({ principal: 'ops', secret: 'a:b' });
    expect(parseBasic('basic  ' + Buffer.from('p:').toString('base64'))).toEqual({ principal: 'p', secret: '' });
  });

  test('malformed headers and other schemes are named', () => {
    expect(parseBasic('Bearer abc')).toEqual({ error: 'unsupported authorization scheme (expected Basic)' });
    expect(parseBasic('Basic !!!')).toEqual({ error: expect.stringContaining('malformed Basic') });
    expect(parseBasic(`Basic ${Buffer.from('nocolon').toString('base64')}`)).toEqual({ error: expect.stringContaining('principal:secret') });
    expect(parseBasic(`Basic ${Buffer.from(':secret').toString('base64')}`)).toEqual({ error: expect.stringContaining('principal:secret') });
  });

  test('checked against the credentials; wrong secret and unknown principal give the same answer', () => {
    expect(checkBasic(basicHeader('ops', 's3cret:with:colons'), creds)).toEqual({ principal: 'ops' });
    expect(checkBasic(basicHeader('ops', 'wrong'), creds)).toEqual({ error: 'invalid principal or secret' });
    expect(checkBasic(basicHeader('nobody', 'x'), creds)).toEqual({ error: 'invalid principal or secret' });
    expect(checkBasic(basicHeader('ops', 's3cret:with:colons '), creds)).toEqual({ error: 'invalid principal or secret' });
  });

  test('the HTTP step: anonymous only where not required, 401 with the Basic challenge', () => {
    const a = new HttpAuthenticator(creds);
    expect(a.authenticate({}, false)).toEqual({ principal: undefined });
    const missing = a.authenticate({}, true);
    expect('response' in missing && missing.response.status).toBe(401);
    expect('response' in missing && missing.response.headers['www-authenticate']).toBe('Basic realm="mesos"');
    // Credentials that are sent are checked even where none are required.
    const wrong = a.authenticate({ authorization: basicHeader('fw', 'y') }, false);
    expect('response' in wrong && wrong.response.status).toBe(401);
    expect(a.authenticate({ authorization: basicHeader('fw', 'x') }, true)).toEqual({ principal: 'fw' });
  });
});

describe('ACLs', () => {
  test("Mesos's JSON form, from text or a file", () => {
    const text = '{"permissive":false,"run_tasks":[{"principals":{"values":["fw"]},"users":{"values":["nobody"]}},{"principals":{"type":"ANY"},"users":{"type":"NONE"}}]}';
    const acls = parseAcls(text);
    expect(acls.permissive).toBe(false);
    expect(acls.rules.run_tasks).toEqual([
      { principals: { type: 'SOME', values: ['fw'] }, objects: { type: 'SOME', values: ['nobody'] } },
      { principals: { type: 'ANY' }, objects: { type: 'NONE' } },
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'mesos-ts-acls-'));
    writeFileSync(join(dir, 'acls.json'), text);
    expect(parseAcls(join(dir, 'acls.json'))).toEqual(acls);
    expect(parseAcls(`file://${join(dir, 'acls.json')}`)).toEqual(acls);
  });

  test('a bad ACL is refused naming the rule and field', () => {
    expect(protocolError(() => parseAcls('{"run_tasks":[{"principals":{"type":"ANY"}}]}')).message).toContain("acls.run_tasks[0]: 'users' is missing");
    expect(protocolError(() => parseAcls('{"run_tasks":[{"principals":{"type":"SOME"},"users":{"type":"ANY"}}]}')).message).toContain('acls.run_tasks[0].principals');
    expect(protocolError(() => parseAcls('{"run_tasks":[{"principals":{"values":[1]},"users":{"type":"ANY"}}]}')).message).toContain('principals.values: expected a list of strings');
    expect(protocolError(() => parseAcls('{"launch_rockets":[]}')).message).toContain('acls.launch_rockets: not an action');
    expect(protocolError(() => parseAcls('{"run_tasks":[{"principals":{"type":"ANY"},"roles":{"type":"ANY"}}]}')).message).toContain('acls.run_tasks[0].roles: unknown field');
    expect(protocolError(() => parseAcls('{"permissive":"no"}')).message).toContain('acls.permissive');
    expect(protocolError(() => parseAcls('/no/such/acls.json')).message).toContain('cannot be read');
    expect(protocolError(() => parseAcls('{oops')).code).toBe('E_BAD_ACLS');
  });
});

describe('the authorizer', () => {
  const acls = aclsOf({
    permissive: false,
    register_frameworks: [
      { principals: { values: ['fw'] }, roles: { values: ['web', 'batch'] } },
      { principals: { values: ['ops'] }, roles: { type: 'ANY' } },
      { principals: { type: 'ANY' }, roles: { type: 'NONE' } },
    ],
    teardown_frameworks: [{ principals: { values: ['ops'] }, framework_principals: { type: 'ANY' } }],
    run_tasks: [{ principals: { type: 'ANY' }, users: { values: ['nobody'] } }],
  });

  test('the first matching rule decides, and says which it is', () => {
    expect(authorize(acls, { action: 'register_frameworks', principal: 'fw', object: 'web' })).toEqual({ allowed: true, rule: 'acls.register_frameworks[0]' });
    // fw asking for another role: rule 0 does not match (object), rule 1 neither (subject), rule 2 matches and NONE denies.
    expect(authorize(acls, { action: 'register_frameworks', principal: 'fw', object: 'prod' })).toEqual({ allowed: false, rule: 'acls.register_frameworks[2]' });
    expect(authorize(acls, { action: 'register_frameworks', principal: 'ops', object: 'prod' })).toEqual({ allowed: true, rule: 'acls.register_frameworks[1]' });
  });

  test('no matching rule: permissive decides; no ACLs at all allow everything', () => {
    expect(authorize(acls, { action: 'update_weights', principal: 'ops', object: 'web' })).toEqual({ allowed: false, rule: 'acls.permissive=false (no update_weights rule matched)' });
    expect(authorize(aclsOf({}), { action: 'update_weights', principal: 'ops', object: 'web' }).allowed).toBe(true);
    expect(authorize(NO_ACLS, { action: 'run_tasks', principal: undefined, object: 'root' })).toEqual({ allowed: true, rule: 'no --acls' });
  });

  test('an anonymous request (or no object) is ANY, matched only by ANY', () => {
    // teardown_frameworks[0] names 'ops' only: anonymous falls through to permissive=false.
    expect(authorize(acls, { action: 'teardown_frameworks', principal: undefined, object: 'fw' })).toEqual({ allowed: false, rule: 'acls.permissive=false (no teardown_frameworks rule matched)' });
    expect(authorize(acls, { action: 'teardown_frameworks', principal: 'ops', object: undefined }).allowed).toBe(true);
    // run_tasks[0] allows only 'nobody'; an unset user (ANY) is not among SOME values.
    expect(authorize(acls, { action: 'run_tasks', principal: 'fw', object: 'nobody' }).allowed).toBe(true);
    expect(authorize(acls, { action: 'run_tasks', principal: 'fw', object: undefined }).allowed).toBe(false);
    expect(authorize(acls, { action: 'run_tasks', principal: 'fw', object: 'root' }).allowed).toBe(false);
  });

  test('an action without objects (mark_agents_gone, view_flags): the rule says may (ANY) or may not (NONE)', () => {
    const gone = aclsOf({ mark_agents_gone: [{ principals: { values: ['ops'] }, agents: { type: 'ANY' } }, { principals: { type: 'ANY' }, agents: { type: 'NONE' } }] });
    expect(authorize(gone, { action: 'mark_agents_gone', principal: 'ops', object: undefined })).toEqual({ allowed: true, rule: 'acls.mark_agents_gone[0]' });
    expect(authorize(gone, { action: 'mark_agents_gone', principal: 'fw', object: undefined })).toEqual({ allowed: false, rule: 'acls.mark_agents_gone[1]' });
    expect(authorize(gone, { action: 'mark_agents_gone', principal: undefined, object: undefined })).toEqual({ allowed: false, rule: 'acls.mark_agents_gone[1]' });
  });

  test('a denial is a sentence naming who, what and the rule', () => {
    const d = new Authorizer(acls).authorize('register_frameworks', 'fw', 'prod');
    expect(d.message).toBe("Unauthorized: principal 'fw' is not allowed to register_frameworks on role 'prod' (denied by acls.register_frameworks[2])");
    expect(new Authorizer(acls).authorize('teardown_frameworks', undefined, 'fw').message).toContain('an anonymous request');
    expect(new Authorizer().open).toBe(true);
  });
});
