/**
 * A naive reference allocator: the same decisions as AllocatorCore's stage 2
 * (no quota), computed the slow obvious way. Every share is recomputed from
 * the raw allocation list, the role tree is rebuilt for each agent, every
 * filter is scanned. It exists for the equivalence property test and as the
 * benchmark's baseline; the master does not use it.
 */
import { Resources } from '../../protocol/resources.js';
import { isAllocatable, type Allocation } from './core.js';

interface Held {
  frameworkId: string;
  role: string;
  agentId: string;
  resources: Resources; // allocated to role
}

interface RefFilter {
  frameworkId: string;
  role: string;
  agentId: string;
  resources: Resources;
  expiresAt: number;
}

function share(q: Map<string, number>, totals: Map<string, number>, weight: number): number {
  let s = 0;
  for (const [name, a] of q) {
    const t = totals.get(name) ?? 0;
    if (a !== 0 && t > 0) {
      const r = a / t;
      if (r > s) s = r;
    }
  }
  return s / weight;
}

function addQ(into: Map<string, number>, r: Resources): void {
  for (const [k, v] of r.quantities()) into.set(k, (into.get(k) ?? 0) + v);
}

function byShareThenName(a: { share: number; name: string }, b: { share: number; name: string }): number {
  return a.share < b.share ? -1 : a.share > b.share ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export class ReferenceAllocator {
  readonly agents = new Map<string, { total: Resources; active: boolean }>();
  readonly frameworks = new Map<string, { roles: string[]; suppressed: Set<string>; active: boolean }>();
  held: Held[] = [];
  filters: RefFilter[] = [];
  readonly weights = new Map<string, number>();

  addAgent(id: string, total: Resources): void {
    this.agents.set(id, { total, active: true });
  }
  removeAgent(id: string): void {
    this.agents.delete(id);
    this.held = this.held.filter((h) => h.agentId !== id);
    this.filters = this.filters.filter((f) => f.agentId !== id);
  }
  addFramework(id: string, roles: string[]): void {
    this.frameworks.set(id, { roles: [...roles], suppressed: new Set(), active: true });
  }
  removeFramework(id: string): void {
    this.frameworks.delete(id);
    this.held = this.held.filter((h) => h.frameworkId !== id);
    this.filters = this.filters.filter((f) => f.frameworkId !== id);
  }
  activateFramework(id: string): void {
    const f = this.frameworks.get(id);
    if (f) f.active = true;
  }
  deactivateFramework(id: string): void {
    const f = this.frameworks.get(id);
    if (f) f.active = false;
    this.filters = this.filters.filter((x) => x.frameworkId !== id);
  }
  suppress(id: string, roles?: string[]): void {
    const f = this.frameworks.get(id);
    if (f) for (const r of roles ?? f.roles) if (f.roles.includes(r)) f.suppressed.add(r);
  }
  revive(id: string, roles?: string[]): void {
    const f = this.frameworks.get(id);
    if (!f) return;
    for (const r of roles ?? f.roles) f.suppressed.delete(r);
    this.filters = this.filters.filter((x) => x.frameworkId !== id || (roles !== undefined && !roles.includes(x.role)));
  }
  setWeight(role: string, w: number): void {
    this.weights.set(role, w);
  }
  /** `resources` allocated to one role, exactly as offered. */
  recoverResources(frameworkId: string, agentId: string, resources: Resources, refuseSeconds: number | undefined, now: number): void {
    let left = resources;
    for (const h of this.held) {
      if (h.frameworkId !== frameworkId || h.agentId !== agentId || left.isEmpty()) continue;
      const next = h.resources.subtract(left);
      left = left.subtract(h.resources.subtract(next));
      h.resources = next;
    }
    this.held = this.held.filter((h) => !h.resources.isEmpty());
    const role = resources.toJSON()[0]?.allocation_info?.role;
    if (refuseSeconds !== undefined && refuseSeconds > 0 && role !== undefined && this.frameworks.has(frameworkId) && this.agents.has(agentId)) {
      this.filters.push({ frameworkId, role, agentId, resources: resources.unallocate(), expiresAt: now + refuseSeconds * 1000 });
    }
  }

  #available(agentId: string): Resources {
    let r = this.agents.get(agentId)!.total;
    for (const h of this.held) if (h.agentId === agentId) r = r.subtract(h.resources.unallocate());
    return r;
  }

  /** Roles in the role sorter, in allocation order (hierarchical DRF, rebuilt from scratch). */
  roleOrder(totals: Map<string, number>): string[] {
    const present = new Set<string>();
    for (const f of this.frameworks.values()) for (const r of f.roles) present.add(r);
    for (const h of this.held) present.add(h.role);
    const alloc = (pred: (role: string) => boolean): Map<string, number> => {
      const q = new Map<string, number>();
      for (const h of this.held) if (pred(h.role)) addQ(q, h.resources);
      return q;
    };
    const w = (p: string): number => this.weights.get(p) ?? 1;
    const out: string[] = [];
    const visit = (prefix: string): void => {
      const kids = new Set<string>();
      for (const r of present) {
        if (prefix === '' || (r.startsWith(`${prefix}/`) && r.length > prefix.length + 1)) {
          const rest = prefix === '' ? r : r.slice(prefix.length + 1);
          kids.add(rest.split('/')[0]!);
        }
      }
      const nodes: { name: string; path: string; share: number; leaf: boolean }[] = [];
      for (const k of kids) {
        const path = prefix === '' ? k : `${prefix}/${k}`;
        const sub = alloc((r) => r === path || r.startsWith(`${path}/`));
        const hasKids = [...present].some((r) => r.startsWith(`${path}/`));
        nodes.push({ name: k, path, share: share(sub, totals, w(path)), leaf: !hasKids });
      }
      if (prefix !== '' && present.has(prefix)) {
        nodes.push({ name: '.', path: prefix, share: share(alloc((r) => r === prefix), totals, w(prefix)), leaf: true });
      }
      nodes.sort(byShareThenName);
      for (const n of nodes) {
        if (n.leaf) {
          if (present.has(n.path)) out.push(n.path);
        } else visit(n.path);
      }
    };
    visit('');
    return out;
  }

  allocate(now: number, agentIds?: Iterable<string>): Allocation[] {
    this.filters = this.filters.filter((f) => f.expiresAt > now);
    const ids = agentIds === undefined ? [...this.agents.keys()] : [...new Set(agentIds)].filter((id) => this.agents.has(id));
    ids.sort();
    const out: Allocation[] = [];
    for (const agentId of ids) {
      if (!this.agents.get(agentId)!.active) continue;
      const totals = new Map<string, number>();
      for (const a of this.agents.values()) addQ(totals, a.total);
      for (const role of this.roleOrder(totals)) {
        const avail = this.#available(agentId).allocatableTo(role);
        if (avail.isEmpty() || !isAllocatable(avail)) continue;
        const members = new Set<string>();
        for (const [id, f] of this.frameworks) if (f.roles.includes(role)) members.add(id);
        for (const h of this.held) if (h.role === role) members.add(h.frameworkId);
        const ranked = [...members].map((id) => {
          const q = new Map<string, number>();
          for (const h of this.held) if (h.frameworkId === id && h.role === role) addQ(q, h.resources);
          return { name: id, share: share(q, totals, 1) };
        });
        ranked.sort(byShareThenName);
        for (const { name } of ranked) {
          const f = this.frameworks.get(name);
          if (!f || !f.active || !f.roles.includes(role) || f.suppressed.has(role)) continue;
          if (this.filters.some((x) => x.frameworkId === name && x.role === role && x.agentId === agentId && x.resources.contains(avail))) continue;
          const resources = avail.allocate(role);
          this.held.push({ frameworkId: name, role, agentId, resources });
          out.push({ frameworkId: name, role, agentId, resources });
          break;
        }
      }
    }
    return out;
  }
}
