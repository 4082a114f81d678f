/**
 * What a master that does not lead tells an agent or a scheduler that
 * messaged it (high availability, master/leader.ts). Append-only, like the
 * other protocols. Kept apart from MasterToAgent / MasterToScheduler so that
 * processes that do not follow leaders need no handler for it (an unknown
 * message is dropped and counted).
 */
export type FromNonLeader = {
  /**
   * This master does not lead. `leader`: the leading master's PID text
   * (`master@host:port`) when known; `term`: the term this master knows;
   * absent leader means an election is under way: try again shortly.
   */
  not_leader: { leader?: string; term?: number; message?: string };
};
