// A job core and a program for driving the machine by hand, with a fake clock.
import { normalize } from '../../../src/config/normalize.js';
import type { Program } from '../../../src/config/program.js';
import type { ProgramSpec } from '../../../src/config/spec.js';
import type { Now } from '../../../src/core/supervisor/clock.js';
import { step, type EventOf, type EventType, type JobCore, type Step } from '../../../src/core/supervisor/machine.js';

/** A program with the given settings over the defaults. */
export function program(over: Partial<ProgramSpec> = {}): Program {
  return normalize({ name: 'web', argv: ['web'], commandText: 'web', source: { file: 't.yaml', line: 1, col: 1 }, ...over }, '/');
}

/** A job at rest, as just created. */
export function core(spec: Program = program()): JobCore {
  return {
    state: 'stopped', want: 'down', pid: null, startTicks: null, startedAt: null, startedMono: null, restarts: 0, restartTimes: [],
    attempt: 0, lastExit: null, reason: null, spec, others: new Set(), populated: false, killRounds: 0, suspended: false,
    stopSig: null, touchedAt: 0, foreign: false, execError: null, opening: null, waitingFor: null,
  };
}

/** A fake clock: monotonic and wall time both start at fixed values and move only when told. */
export class FakeClock {
  mono = 1_000_000;
  wall = Date.UTC(2026, 0, 1);
  now(): Now { return { mono: this.mono, wall: this.wall }; }
  advance(ms: number): void { this.mono += ms; this.wall += ms; }
}

/** Drives one job through events, applying each step's patch as the runtime does. */
export class Driver {
  readonly steps: (Step | null)[] = [];
  constructor(public job: JobCore, readonly clock = new FakeClock()) {}
  send<E extends EventType>(ev: EventOf<E>): Step | null {
    const s = step(this.job, ev, this.clock.now());
    if (s) this.job = { ...this.job, ...s.patch };
    this.steps.push(s);
    return s;
  }
}
