// Deadlock detection with matrices, as the seed teaches it (Tanenbaum's algorithm): the existing
// vector E, the available vector A, the allocation matrix C and the request matrix R over
// holders × resource classes. Repeatedly find a holder whose whole request fits in A, let it run
// to its end and give back what it holds; whoever is left can never run: they are deadlocked.
// Pure; single-instance resources (mutexes) are the case E = 1.

/** The matrices, with named rows (holders) and columns (resource classes). */
export interface MatrixState {
  resources: string[];
  holders: string[];
  existing: number[];
  available: number[];
  allocation: number[][];
  request: number[][];
}

/** One step of the walk: a holder that can run, and A after it has given its resources back. */
export interface DetectStep {
  run: string;
  available: number[];
}

/** The result: who is deadlocked, the order the others can finish in, and the walk. */
export interface Detection {
  deadlocked: string[];
  order: string[];
  steps: DetectStep[];
}

/** True when every component of a is at most the one of b. */
export function fits(a: number[], b: number[]): boolean {
  return a.every((x, i) => x <= b[i]);
}

/** Runs the detection: scans holders in order, restarting from the first after every step. */
export function detect(s: MatrixState): Detection {
  const available = [...s.available];
  const done = new Array<boolean>(s.holders.length).fill(false);
  const steps: DetectStep[] = [];
  for (let progress = true; progress; ) {
    progress = false;
    for (let i = 0; i < s.holders.length; i++) {
      if (done[i] || !fits(s.request[i], available)) continue;
      done[i] = true;
      for (let k = 0; k < available.length; k++) available[k] += s.allocation[i][k];
      steps.push({ run: s.holders[i], available: [...available] });
      progress = true;
      break;
    }
  }
  return { deadlocked: s.holders.filter((_, i) => !done[i]), order: steps.map((x) => x.run), steps };
}

/** A = E − ΣC: what is free given what exists and what is held. */
export function availableFrom(existing: number[], allocation: number[][]): number[] {
  return existing.map((e, k) => e - allocation.reduce((sum, row) => sum + row[k], 0));
}

/** Why each deadlocked holder waits: the classes whose request exceeds what could ever be free. */
export function blockedOn(s: MatrixState, d: Detection): Record<string, string[]> {
  const finalA = d.steps.length ? d.steps[d.steps.length - 1].available : s.available;
  const out: Record<string, string[]> = {};
  for (const h of d.deadlocked) {
    const i = s.holders.indexOf(h);
    out[h] = s.resources.filter((_, k) => s.request[i][k] > finalA[k]);
  }
  return out;
}
