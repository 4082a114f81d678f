/** Protobuf on the wire of Mesos's v1 APIs: the schema (schema.ts), the codec (codec.ts), media types and negotiation (media.ts), the HTTP adapter (http.ts). */
export { fromProtobuf, toProtobuf } from './codec.js';
export { APPLICATION_JSON, APPLICATION_PROTOBUF, APPLICATION_RECORDIO, accepts, requestEncoding, responseMedia } from './media.js';
export type { Encoding, ResponseMedia } from './media.js';
export { protoType } from './schema.js';
export { speaksProtobuf } from './http.js';
export type { WireTypes } from './http.js';
