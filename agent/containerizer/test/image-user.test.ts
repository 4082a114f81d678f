// The image's User resolved in the image's own /etc/passwd and /etc/group (Docker's forms).
import { describe, expect, test, afterAll } from '@jest/globals';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveImageUser } from '../isolators/image-user.js';
import { cleanup, tmp } from './helpers.js';

const root = tmp('image-user-');
mkdirSync(join(root, 'etc'));
writeFileSync(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001:app:/home/app:/bin/sh\n');
writeFileSync(join(root, 'etc', 'group'), 'root:x:0:\nstaff:x:50:\n');
const linked = tmp('image-user-link-');
mkdirSync(join(linked, 'etc'));
symlinkSync('/etc/passwd', join(linked, 'etc', 'passwd'));
afterAll(async () => {
  await cleanup(root);
  await cleanup(linked);
});

describe("an image's User", () => {
  test.each([
    ['app', { uid: 1000, gid: 1001, home: '/home/app' }],
    ['1000', { uid: 1000, gid: 1001, home: '/home/app' }],
    ['app:staff', { uid: 1000, gid: 50, home: '/home/app' }],
    ['app:7', { uid: 1000, gid: 7, home: '/home/app' }],
    ['4242', { uid: 4242, gid: 0 }],
    ['4242:staff', { uid: 4242, gid: 50 }],
  ])('%s', async (spec, ids) => {
    expect(await resolveImageUser(root, spec, 'img')).toEqual(ids);
  });

  test('unknown names are errors naming them; a passwd that is a symbolic link is not followed', async () => {
    await expect(resolveImageUser(root, 'ghost', 'img')).rejects.toThrow("image img: its User 'ghost' is not in the image's /etc/passwd");
    await expect(resolveImageUser(root, 'app:ghosts', 'img')).rejects.toThrow("its User's group 'ghosts' is not in the image's /etc/group");
    await expect(resolveImageUser(linked, 'root', 'img')).rejects.toThrow("its User 'root' is not in the image's /etc/passwd");
  });
});
