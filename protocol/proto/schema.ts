/**
 * Mesos's v1 types as protobufjs types, built in code from the tables of
 * mesos-fields.ts and api-fields.ts (no .proto file is read). Every name is
 * under the package `mesos.v1`, as on the wire of Mesos's clients:
 * `protoType('scheduler.Call')` is mesos.v1.scheduler.Call.
 */
import protobuf from 'protobufjs';
import { API_ENUMS, API_MESSAGES } from './api-fields.js';
import { MESOS_ENUMS, MESOS_MESSAGES } from './mesos-fields.js';

const SCALARS = new Set(['double', 'float', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'fixed32', 'fixed64', 'sfixed32', 'sfixed64', 'bool', 'string', 'bytes']);
const FIELD = /^([A-Za-z_][A-Za-z0-9_]*)=(\d+):([A-Za-z0-9_.]+)(!|\[\]|\{([a-z0-9]+)\})?$/;

type Node = { edition?: string; fields?: Record<string, protobuf.IField & { keyType?: string }>; values?: Record<string, number>; nested?: Record<string, Node> };

/** The node of `path` (dotted, relative to mesos.v1) in the JSON descriptor, made as needed. */
function nodeOf(root: Node, path: string): Node {
  let node = root;
  for (const part of path.split('.')) {
    node.nested ??= {};
    node = node.nested[part] ??= {};
  }
  return node;
}

function build(): protobuf.Root {
  const v1: Node = {};
  const messages = { ...MESOS_MESSAGES, ...API_MESSAGES };
  for (const [name, text] of Object.entries(messages)) {
    const node = nodeOf(v1, name);
    node.edition = 'proto2';
    node.fields = {};
    for (const spec of text.split(/\s+/).filter((s) => s !== '')) {
      const m = FIELD.exec(spec);
      if (m === null) throw new Error(`protobuf schema ${name}: bad field '${spec}'`);
      const [, field, id, type, mark, key] = m as unknown as [string, string, string, string, string | undefined, string | undefined];
      const t = SCALARS.has(type) ? type : `.mesos.v1.${type}`;
      if (!SCALARS.has(type) && !(type in messages) && !(type in MESOS_ENUMS) && !(type in API_ENUMS)) throw new Error(`protobuf schema ${name}.${field}: unknown type '${type}'`);
      const packable = mark === '[]' && SCALARS.has(type) && type !== 'string' && type !== 'bytes';
      node.fields[field] = {
        id: Number(id),
        type: t,
        ...(mark === '!' ? { rule: 'required' } : mark === '[]' ? { rule: 'repeated' } : {}),
        ...(key !== undefined ? { keyType: key } : {}),
        // proto2 writes repeated numbers unpacked (parsers take both)
        ...(packable ? { options: { packed: false } } : {}),
      };
    }
  }
  for (const [name, text] of Object.entries({ ...MESOS_ENUMS, ...API_ENUMS })) {
    const node = nodeOf(v1, name);
    node.edition = 'proto2';
    node.values = Object.fromEntries(text.trim().split(/\s+/).map((v) => {
      const [n, id] = v.split('=') as [string, string];
      return [n, Number(id)];
    }));
  }
  // proto2, as Mesos's files are: explicit presence, required fields, unpacked repeated scalars.
  const r = protobuf.Root.fromJSON({ nested: { mesos: { nested: { v1: v1 as protobuf.INamespace } } } } as protobuf.INamespace);
  r.resolveAll();
  return r;
}

let root: protobuf.Root | undefined;

/** The protobufjs type of a v1 message named as the JSON codec names it (`scheduler.Call`, `master.Response`, `TaskStatus`). */
export function protoType(name: string): protobuf.Type {
  root ??= build();
  return root.lookupType(`mesos.v1.${name}`);
}
