/** What a page is: built for a route, told about every new snapshot, disposed when the route changes. */
import { append, type Child } from '../dom.js';
import type { Sample } from '../store.js';
import type { Snapshot } from '../types.js';

export interface ViewContext {
  /** The route's parameters (ids), decoded. */
  readonly params: readonly string[];
  readonly query: URLSearchParams;
  readonly root: HTMLElement;
}

export interface View {
  update(snapshot: Snapshot, history: readonly Sample[]): void;
  dispose?(): void;
}

/** A page drawn anew from each snapshot. */
export function simple(render: (s: Snapshot, ctx: ViewContext, history: readonly Sample[]) => Child[]): (ctx: ViewContext) => View {
  return (ctx) => ({
    update(s, history) {
      const children = render(s, ctx, history);
      ctx.root.replaceChildren();
      append(ctx.root, children);
    },
  });
}
