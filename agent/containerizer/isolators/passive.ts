/** The part of an isolator that limits nothing: no pid to watch, no limit to report, nothing to count. */
import type { Limitation } from '../types.js';

export abstract class PassiveIsolator {
  async isolate(): Promise<void> {}
  watch(): Promise<Limitation> {
    return new Promise(() => {});
  }
  async usage(): Promise<{}> {
    return {};
  }
}
