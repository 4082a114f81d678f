/**
 * Calls of Mesos's v1 master API (master.proto `Call.Type`) this master knows
 * but does not carry out: each answers 501 Not Implemented naming the call,
 * as Mesos answers for what it does not support, rather than 400 "unknown".
 * One entry per call, so that the change that implements one removes its
 * line (maintenance and drain are issue 20's).
 */
export const NOT_IMPLEMENTED: Readonly<Record<string, string>> = {
  UNKNOWN: "Received an 'UNKNOWN' call",
  RESERVE_RESOURCES: 'RESERVE_RESOURCES is not implemented by this master: dynamic reservations are not supported yet',
  UNRESERVE_RESOURCES: 'UNRESERVE_RESOURCES is not implemented by this master: dynamic reservations are not supported yet',
  CREATE_VOLUMES: 'CREATE_VOLUMES is not implemented by this master: persistent volumes are not supported yet',
  DESTROY_VOLUMES: 'DESTROY_VOLUMES is not implemented by this master: persistent volumes are not supported yet',
  GROW_VOLUME: 'GROW_VOLUME is not implemented by this master: persistent volumes are not supported yet',
  SHRINK_VOLUME: 'SHRINK_VOLUME is not implemented by this master: persistent volumes are not supported yet',
  GET_MAINTENANCE_STATUS: 'GET_MAINTENANCE_STATUS is not implemented by this master: maintenance is not supported yet',
  GET_MAINTENANCE_SCHEDULE: 'GET_MAINTENANCE_SCHEDULE is not implemented by this master: maintenance is not supported yet',
  UPDATE_MAINTENANCE_SCHEDULE: 'UPDATE_MAINTENANCE_SCHEDULE is not implemented by this master: maintenance is not supported yet',
  START_MAINTENANCE: 'START_MAINTENANCE is not implemented by this master: maintenance is not supported yet',
  STOP_MAINTENANCE: 'STOP_MAINTENANCE is not implemented by this master: maintenance is not supported yet',
  DRAIN_AGENT: 'DRAIN_AGENT is not implemented by this master: draining is not supported yet',
  DEACTIVATE_AGENT: 'DEACTIVATE_AGENT is not implemented by this master: draining is not supported yet',
  REACTIVATE_AGENT: 'REACTIVATE_AGENT is not implemented by this master: draining is not supported yet',
};
