export const VERSION = '0.1.0';

// -- transports and HTTP (ws) --
export { WsTransport, LIBPROCESS_PATH, PEER_HEADER, isPeerAddress } from './ws-transport.js';
export type { WsTransportOptions, WsLogger } from './ws-transport.js';
export { HttpServer, DEFAULT_MAX_BODY_BYTES } from './http-server.js';
export type { HttpServerOptions } from './http-server.js';
export { encodeFrame, decodeFrame, FrameError } from './codec.js';
