/** Every experiment by name, in the order `make experiments` runs them. */
import { drf } from './drf/run.js';
import { failover } from './failover/run.js';
import { mpi } from './mpi/run.js';
import { offers } from './offers/run.js';
import { rampup } from './rampup/run.js';
import { sharing } from './sharing/run.js';
import type { Experiment } from './types.js';

export const EXPERIMENTS: readonly Experiment[] = [sharing, drf, rampup, failover, offers, mpi];
