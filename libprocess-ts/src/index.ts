/**
 * libprocess-ts: an actor runtime in the shape of libprocess.
 * Test tools (virtual clock, simulated network, filters) are in 'libprocess-ts/testing'.
 */
export const VERSION = '0.1.0';

export { PID, idOf, addressOf } from './pid.js';
export { Process } from './process.js';
export type { ProcessContext } from './process.js';
export type { Protocol, Handler, Handlers, MessageName } from './protocol.js';
export { Runtime } from './runtime.js';
export type { RuntimeOptions, RuntimeCounters } from './runtime.js';
export type { Envelope } from './message.js';
export type { Clock, Timer } from './clock.js';
export { RealClock, realClock } from './real-clock.js';
export { VirtualClock } from './virtual-clock.js';
export { MinHeap } from './heap.js';
export { SimulatedNetwork, MemoryTransport } from './memory-transport.js';
export type { MemoryTransportOptions, SimulatedNetworkOptions, NetworkFaults, NetworkObserver, NetworkEventKind } from './memory-transport.js';
export { Random, osSeed } from './random.js';
export { LibprocessError } from './errors.js';
export { createLogger, levelFromEnv, logLine, LogVerbosity, LOG_LEVELS, stderrSink } from './logging.js';
export type { Logger, LogLevel, LogSink } from './logging.js';
export { HttpRouter, normalizePath } from './http-router.js';
export type { RouteOptions } from './http-router.js';
export type { HttpRequest, HttpResponse, HttpHandler, ChunkWriter } from './http-types.js';
export type { Transport, TransportEvents, Address, BadInputKind } from './transport.js';

// -- transports and HTTP (ws) --
export { WsTransport, LIBPROCESS_PATH, PEER_HEADER, PRINCIPAL_HEADER, NONCE_HEADER, PROOF_HEADER, AUTH_PREFIX, isPeerAddress } from './ws-transport.js';
export { PeerAuth, proof, newNonce, isPrincipal } from './auth.js';
export type { AuthOptions, DialIdentity } from './auth.js';
export { tlsFromEnv } from './tls.js';
export type { TlsOptions } from './tls.js';
export type { WsTransportOptions, WsLogger } from './ws-transport.js';
export { HttpServer, DEFAULT_MAX_BODY_BYTES } from './http-server.js';
export type { HttpServerOptions } from './http-server.js';
export { encodeFrame, decodeFrame, FrameError } from './codec.js';
export { spawn, defaultRuntime, stopDefaultRuntime, defaultRuntimeOptions, keepaliveFromEnv } from './default-runtime.js';
