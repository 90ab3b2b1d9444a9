// `appinit deadlock --matrix FILE [--json]`: the seed's detection exercise, walked step by step.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { blockedOn, detect, type MatrixState } from '../../core/resources/detect.js';
import { MatrixFileError, parseMatrixFile } from '../../core/resources/matrix-file.js';
import { CliError, EXIT } from '../context.js';
import type { Runner } from '../modules.js';

const vec = (v: number[]) => `(${v.join(' ')})`;

/** The walk in words, as the seed tells it. */
export function formatDetection(s: MatrixState): { text: string; deadlocked: boolean } {
  const d = detect(s);
  const w = Math.max(...s.holders.map((h) => h.length), 2);
  const row = (v: number[]) => v.join(' ');
  const lines = [
    `Existing resource vector   E = ${vec(s.existing)}`,
    `Available resource vector  A = ${vec(s.available)}`,
    '',
    `${''.padEnd(w)}  ${'allocation C'.padEnd(Math.max(12, row(s.existing).length))}  request R`,
    ...s.holders.map((h, i) => `${h.padEnd(w)}  ${row(s.allocation[i]).padEnd(Math.max(12, row(s.existing).length))}  ${row(s.request[i])}`),
    '',
    ...d.steps.map((st) => `${st.run} is not blocked: it runs to its end and gives back what it holds: A = ${vec(st.available)}`),
  ];
  if (d.deadlocked.length === 0) lines.push(`No deadlock: the processes can finish in the order ${d.order.join(', ')}.`);
  else {
    const why = blockedOn(s, d);
    const each = d.deadlocked.map((h) => `${h} waits for class ${why[h].join(', ')}`).join('; ');
    lines.push(`Deadlock: ${d.deadlocked.join(', ')} ${d.deadlocked.length === 1 ? 'is' : 'are'} blocked for good (${each}).`);
  }
  return { text: lines.join('\n'), deadlocked: d.deadlocked.length > 0 };
}

async function deadlockCommand(o: { matrix?: string; json?: boolean }): Promise<number> {
  if (!o.matrix) throw new CliError('deadlock: --matrix FILE is required (the live state comes with appinit\'s resources)', EXIT.usage);
  let text: string;
  try {
    text = readFileSync(o.matrix, 'utf8');
  } catch (err) {
    throw new CliError(`deadlock: ${o.matrix}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  let s: MatrixState;
  try {
    s = parseMatrixFile(text, o.matrix);
  } catch (err) {
    if (err instanceof MatrixFileError) throw new CliError(err.message);
    throw err;
  }
  if (o.json) {
    process.stdout.write(JSON.stringify(detect(s)) + '\n');
    return EXIT.ok;
  }
  const r = formatDetection(s);
  process.stdout.write(r.text + '\n');
  return r.deadlocked ? EXIT.failure : EXIT.ok;
}

/** Registers `deadlock`. */
export function registerResourceCommands(program: Command, run: Runner): void {
  program.command('deadlock').description('deadlock detection with matrices (E, A, C, R), walked step by step')
    .option('--matrix <file>', 'a YAML file with existing, available (optional), allocation and request')
    .option('--json', 'print {deadlocked, order, steps}')
    .action((o) => run(() => deadlockCommand(o)));
}
