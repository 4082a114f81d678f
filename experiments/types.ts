/**
 * What an experiment is to the runner: a name, a setup in a quick and a full
 * form, and a run that writes raw data (JSON Lines), plots (SVG) and returns
 * its summary figures, each beside the paper's.
 */
import type { Output } from './output.js';
import type { Progress } from './progress.js';

export interface Context {
  readonly quick: boolean;
  readonly out: Output;
  readonly progress: Progress;
}

/** One figure of the report: ours beside the paper's. */
export interface Figure {
  readonly what: string;
  readonly ours: string;
  readonly paper: string;
  /** Where they differ and why, or what to read into it. */
  readonly note?: string;
  /** Also in the report's table at a glance. */
  readonly headline?: boolean;
}

export interface Result {
  /** The setup as run (for the report). */
  readonly setup: unknown;
  /** One paragraph: what ran. */
  readonly description: string;
  readonly figures: readonly Figure[];
  /** SVG files written (names in the experiment's output directory), each with a caption. */
  readonly plots: readonly { readonly file: string; readonly caption: string }[];
  /** Numbers for the summary file and the tests. */
  readonly summary: Readonly<Record<string, unknown>>;
}

export interface Experiment {
  readonly name: string;
  readonly title: string;
  /** Simulated (virtual) or real (OS processes) cluster, as a few words for the report. */
  readonly where: string;
  run(ctx: Context): Promise<Result>;
}
