/**
 * Attribute constraints from command-line text, `name:OP[:value]`:
 * `rack:EQUALS:r1`, `gpu:EXISTS`, `zone:IN:a,b`, `host:LIKE:web.*`,
 * `cores:GREATER_THAN:4`. A number-looking value is compared as a number.
 */
import type { AttributeConstraint } from '../../protocol/attributes.js';

const value = (v: string): string | number => (/^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v);

export function parseAttributeConstraint(text: string): AttributeConstraint {
  const [name, op, ...rest] = text.split(':');
  const arg = rest.join(':');
  const bad = (why: string): never => {
    throw new Error(`constraint ${JSON.stringify(text)}: ${why} (expected name:OP[:value], e.g. rack:EQUALS:r1)`);
  };
  if (!name) bad('no attribute name');
  const need = (): string => (arg === '' ? bad(`${op} needs a value`) : arg);
  switch (op) {
    case 'EXISTS':
      if (arg !== '') bad('EXISTS takes no value');
      return { name: name!, op };
    case 'EQUALS':
    case 'CONTAINS':
      return { name: name!, op, value: value(need()) };
    case 'IN':
      return { name: name!, op, values: need().split(',').map(value) };
    case 'LIKE':
    case 'UNLIKE':
      return { name: name!, op, pattern: need() };
    case 'GREATER_THAN':
    case 'LESS_THAN': {
      const n = Number(need());
      if (!Number.isFinite(n)) bad(`${op} needs a number`);
      return { name: name!, op, value: n };
    }
    default:
      return bad(`unknown operator ${JSON.stringify(op ?? '')}`);
  }
}

export function parseAttributeConstraints(texts: readonly string[]): AttributeConstraint[] {
  return texts.map(parseAttributeConstraint);
}
