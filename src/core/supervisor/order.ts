// The order `up` starts programs in: a program comes after those it names in `after:`, and
// among those free to start, lower `priority` first (supervisord's rule), then file order.

/** What ordering needs of a program. */
export interface Orderable {
  name: string;
  priority: number;
  after: string[];
  afterExited?: string[];
}

/** The programs in start order (Kahn's algorithm over `after`, a heap by priority then file
 *  order: O(n log n)). Names in `after` not in the list are ignored; programs in a cycle (refused
 *  when a file is read) come last, by priority. */
export function startOrder<T extends Orderable>(programs: T[]): T[] {
  const index = new Map(programs.map((p, i) => [p.name, i]));
  const rank = (i: number) => [programs[i].priority ?? 999, i] as const;
  const less = (a: number, b: number) => {
    const [pa, ia] = rank(a);
    const [pb, ib] = rank(b);
    return pa < pb || (pa === pb && ia < ib);
  };
  const blockers = programs.map(() => 0);
  const dependents: number[][] = programs.map(() => []);
  programs.forEach((p, i) => {
    for (const d of new Set([...(p.after ?? []), ...(p.afterExited ?? [])])) {
      const j = index.get(d);
      if (j === undefined || j === i) continue;
      blockers[i]++;
      dependents[j].push(i);
    }
  });
  const heap = new Heap(less);
  blockers.forEach((n, i) => n === 0 && heap.push(i));
  const out: T[] = [];
  const done = new Set<number>();
  while (heap.size > 0) {
    const i = heap.pop();
    out.push(programs[i]);
    done.add(i);
    for (const k of dependents[i]) if (--blockers[k] === 0) heap.push(k);
  }
  if (out.length < programs.length) {
    const rest = programs.map((_, i) => i).filter((i) => !done.has(i)).sort((a, b) => (less(a, b) ? -1 : 1));
    for (const i of rest) out.push(programs[i]);
  }
  return out;
}

class Heap {
  private readonly items: number[] = [];
  constructor(private readonly less: (a: number, b: number) => boolean) {}
  get size(): number {
    return this.items.length;
  }
  push(x: number): void {
    const a = this.items;
    a.push(x);
    for (let i = a.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.less(a[i], a[parent])) break;
      [a[i], a[parent]] = [a[parent], a[i]];
      i = parent;
    }
  }
  pop(): number {
    const a = this.items;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l], a[m])) m = l;
        if (r < a.length && this.less(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}
