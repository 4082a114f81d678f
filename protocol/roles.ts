/**
 * Role names, as Mesos validates them (src/common/roles.cpp): '*' is the
 * default role; a hierarchical role is '/'-separated components, none of which
 * may be empty, '.', '..', '*', start with '-', or contain whitespace or DEL.
 */

const INVALID_ROLE_CHARS = /[\u0000-\u0020\u007f\\]/;

/** Returns undefined when `role` is a valid role name, else why it is not. */
export function roleError(role: string): string | undefined {
  if (typeof role !== 'string') return 'role must be a string';
  if (role === '*') return undefined;
  if (role.length === 0) return 'role name must not be empty';
  if (role.length > 1024) return 'role name is longer than 1024 characters';
  if (role.startsWith('/')) return `role '${role}' must not start with '/'`;
  if (role.endsWith('/')) return `role '${role}' must not end with '/'`;
  for (const part of role.split('/')) {
    if (part.length === 0) return `role '${role}' must not contain '//'`;
    if (part === '.' || part === '..') return `role '${role}' must not have a '${part}' component`;
    if (part === '*') return `role '${role}' must not use '*' as a component`;
    if (part.startsWith('-')) return `role '${role}' has a component starting with '-'`;
    const bad = INVALID_ROLE_CHARS.exec(part);
    if (bad) return `role '${role}' contains the invalid character ${JSON.stringify(bad[0])}`;
  }
  return undefined;
}

export function isValidRole(role: string): boolean {
  return roleError(role) === undefined;
}

/** 'eng/backend' is a strict subrole of 'eng' (and of nothing else here). */
export function isStrictSubrole(role: string, ancestor: string): boolean {
  return role.length > ancestor.length + 1 && role.startsWith(ancestor) && role.charCodeAt(ancestor.length) === 47; // '/'
}

/** 'eng/backend/db' -> ['eng', 'eng/backend']. */
export function ancestorRoles(role: string): string[] {
  const out: string[] = [];
  let i = role.indexOf('/');
  while (i !== -1) {
    out.push(role.slice(0, i));
    i = role.indexOf('/', i + 1);
  }
  return out;
}
