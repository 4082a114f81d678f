/**
 * Mesos v1 JSON, both ways, for the types in types.ts and scheduler.ts.
 *
 *   const call = decode('scheduler.Call', JSON.parse(body));   // throws E_BAD_JSON naming the field
 *   res.end(JSON.stringify(encode('scheduler.Event', event)));
 */
import { ProtocolError } from '../errors.js';
import { Schema } from './codec.js';
import type { DecodeOptions } from './codec.js';
import { MESOS_SCHEMA } from './mesos.js';
import { AGENT_SCHEMA, type AgentCall, type AgentResponse } from './agent.js';
import { EXECUTOR_SCHEMA, type ExecutorCall, type ExecutorEvent } from './executor.js';
import { MASTER_SCHEMA, type MasterCall, type MasterEvent, type MasterResponse } from './master.js';
import type { AgentID, ContainerID, ExecutorID, FrameworkID, OfferID, OperationID, TaskID } from '../ids.js';
import type { Resource, ResourceReservation } from '../resources.js';
import type { SchedulerCall, SchedulerEvent } from '../scheduler.js';
import type {
  AgentInfo,
  Attribute,
  CommandInfo,
  ContainerInfo,
  ContainerStatus,
  DurationInfo,
  Environment,
  ExecutorInfo,
  Filters,
  FrameworkInfo,
  HealthCheck,
  KillPolicy,
  MasterInfo,
  NetworkInfo,
  Offer,
  OfferOperation,
  Task,
  TaskGroupInfo,
  TaskInfo,
  TaskStatus,
  TimeInfo,
  Volume,
} from '../types.js';
import type { Labels } from '../values.js';

export { Schema } from './codec.js';
export type { DecodeOptions, FieldSpec, MessageSpec, SchemaSource } from './codec.js';
export { MESOS_SCHEMA } from './mesos.js';
export { EXECUTOR_SCHEMA, EXECUTOR_CALL_TYPES, EXECUTOR_EVENT_TYPES } from './executor.js';
export type { ExecutorCall, ExecutorCallType, ExecutorCallUpdate, ExecutorEvent, ExecutorEventType } from './executor.js';
export { AGENT_SCHEMA, AGENT_CALL_TYPES, AGENT_RESPONSE_TYPES } from './agent.js';
export type { AgentCall, AgentCallType, AgentContainer, AgentGetExecutors, AgentGetFrameworks, AgentGetTasks, AgentResponse, AgentResponseType } from './agent.js';
export { MASTER_SCHEMA, MASTER_CALL_TYPES, MASTER_EVENT_TYPES, MASTER_RESPONSE_TYPES } from './master.js';
export type { FileInfo, MasterAgent, MasterCall, MasterCallType, MasterEvent, MasterEventType, MasterFramework, MasterGetAgents, MasterGetExecutors, MasterGetFrameworks, MasterGetState, MasterGetTasks, MasterResponse, MasterResponseType, MasterRole, QuotaConfig, WeightInfo } from './master.js';
export { RecordIOFrames, RecordIOReader, recordio, recordioBytes } from './recordio.js';
export { PROMETHEUS_CONTENT_TYPE, prometheus } from './prometheus.js';

/** The TypeScript type each named JSON type decodes to. */
export interface JsonTypes {
  FrameworkID: FrameworkID;
  AgentID: AgentID;
  OfferID: OfferID;
  TaskID: TaskID;
  ExecutorID: ExecutorID;
  OperationID: OperationID;
  ContainerID: ContainerID;
  DurationInfo: DurationInfo;
  TimeInfo: TimeInfo;
  Labels: Labels;
  Attribute: Attribute;
  Resource: Resource;
  'Resource.ReservationInfo': ResourceReservation;
  FrameworkInfo: FrameworkInfo;
  CommandInfo: CommandInfo;
  Environment: Environment;
  Volume: Volume;
  NetworkInfo: NetworkInfo;
  ContainerInfo: ContainerInfo;
  ContainerStatus: ContainerStatus;
  ExecutorInfo: ExecutorInfo;
  HealthCheck: HealthCheck;
  KillPolicy: KillPolicy;
  TaskInfo: TaskInfo;
  TaskGroupInfo: TaskGroupInfo;
  TaskStatus: TaskStatus;
  Task: Task;
  AgentInfo: AgentInfo;
  MasterInfo: MasterInfo;
  Offer: Offer;
  'Offer.Operation': OfferOperation;
  Filters: Filters;
  'scheduler.Call': SchedulerCall;
  'scheduler.Event': SchedulerEvent;
  'executor.Call': ExecutorCall;
  'executor.Event': ExecutorEvent;
  'agent.Call': AgentCall;
  'agent.Response': AgentResponse;
  'master.Call': MasterCall;
  'master.Response': MasterResponse;
  'master.Event': MasterEvent;
}
export type JsonTypeName = keyof JsonTypes;

/** Every name in JsonTypes, at run time. */
export const JSON_TYPE_NAMES = [
  'FrameworkID',
  'AgentID',
  'OfferID',
  'TaskID',
  'ExecutorID',
  'OperationID',
  'ContainerID',
  'DurationInfo',
  'TimeInfo',
  'Labels',
  'Attribute',
  'Resource',
  'Resource.ReservationInfo',
  'FrameworkInfo',
  'CommandInfo',
  'Environment',
  'Volume',
  'NetworkInfo',
  'ContainerInfo',
  'ContainerStatus',
  'ExecutorInfo',
  'HealthCheck',
  'KillPolicy',
  'TaskInfo',
  'TaskGroupInfo',
  'TaskStatus',
  'Task',
  'AgentInfo',
  'MasterInfo',
  'Offer',
  'Offer.Operation',
  'Filters',
  'scheduler.Call',
  'scheduler.Event',
  'executor.Call',
  'executor.Event',
  'agent.Call',
  'agent.Response',
  'master.Call',
  'master.Response',
  'master.Event',
] as const satisfies readonly JsonTypeName[];

// Compile-time check that the list above names every key of JsonTypes.
type Missing = Exclude<JsonTypeName, (typeof JSON_TYPE_NAMES)[number]>;
const allNamed: [Missing] extends [never] ? true : Missing = true;
void allNamed;

/** The whole schema: mesos.proto and the scheduler API, the executor API, the agent and master operator APIs. */
export const mesosSchema = new Schema({
  enums: { ...MESOS_SCHEMA.enums, ...EXECUTOR_SCHEMA.enums, ...AGENT_SCHEMA.enums, ...MASTER_SCHEMA.enums },
  messages: { ...MESOS_SCHEMA.messages, ...EXECUTOR_SCHEMA.messages, ...AGENT_SCHEMA.messages, ...MASTER_SCHEMA.messages },
});

/** JSON value -> plain data of `type`. Throws ProtocolError E_BAD_JSON naming the field path. */
export function decode<K extends JsonTypeName>(type: K, json: unknown, opts?: DecodeOptions): JsonTypes[K];
export function decode(type: string, json: unknown, opts?: DecodeOptions): unknown;
export function decode(type: string, json: unknown, opts: DecodeOptions = {}): unknown {
  return mesosSchema.decode(type, json, '', opts);
}

/** Plain data of `type` -> JSON value (defaults written, bytes as base64). */
export function encode<K extends JsonTypeName>(type: K, value: JsonTypes[K]): Record<string, unknown>;
export function encode(type: string, value: unknown): Record<string, unknown>;
export function encode(type: string, value: unknown): Record<string, unknown> {
  return mesosSchema.encode(type, value, '');
}

/** Parses JSON text then decodes it; bad JSON text is E_BAD_JSON too. */
export function parse<K extends JsonTypeName>(type: K, text: string, opts?: DecodeOptions): JsonTypes[K] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ProtocolError('E_BAD_JSON', `not valid JSON: ${(e as Error).message}`);
  }
  return decode(type, json, opts);
}

/** encode + JSON.stringify. */
export function stringify<K extends JsonTypeName>(type: K, value: JsonTypes[K]): string {
  return JSON.stringify(encode(type, value));
}
