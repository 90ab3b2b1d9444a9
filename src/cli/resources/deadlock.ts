// `appinit deadlock --matrix FILE [--json]`: the seed's detection exercise, walked step by step.
import { readRegularFile } from '../../config/read-file.js';
import type { Command } from '../args.js';
import { blockedOn, detect, type MatrixState } from '../../core/resources/detect.js';
import { client, CliError, EXIT } from '../context.js';
import { formatDeadlock, formatDot, registerResourceUseCommands } from './commands.js';
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
  if (s.holders.length === 0) lines.push('No deadlock: there are no processes.');
  else if (d.deadlocked.length === 0) lines.push(`No deadlock: the processes can finish in the order ${d.order.join(', ')}.`);
  else {
    const why = blockedOn(s, d);
    const each = d.deadlocked.map((h) => `${h} waits for class ${why[h].join(', ')}`).join('; ');
    lines.push(`Deadlock: ${d.deadlocked.join(', ')} ${d.deadlocked.length === 1 ? 'is' : 'are'} blocked for good (${each}).`);
  }
  return { text: lines.join('\n'), deadlocked: d.deadlocked.length > 0 };
}

async function deadlockCommand(o: { matrix?: string; json?: boolean; dot?: boolean }): Promise<number> {
  if (!o.matrix) {
    const d = await (await client()).deadlock();
    process.stdout.write(o.json ? JSON.stringify(d, null, 2) + '\n' : o.dot ? formatDot(d) : formatDeadlock(d));
    return d.deadlocked.length ? EXIT.failure : EXIT.ok;
  }
  let text: string;
  try {
    // A regular file under the control-file size limit: a FIFO or /dev/zero must not hang us.
    text = readRegularFile(o.matrix);
  } catch (err) {
    throw new CliError(`deadlock: ${(err as Error).message}`);
  }
  // The yaml package (~45 ms to load) only for --matrix: `lock`, `sem` and `mq` share this module.
  const { MatrixFileError, parseMatrixFile } = await import('../../core/resources/matrix-file.js');
  let s: MatrixState;
  try {
    s = parseMatrixFile(text, o.matrix);
  } catch (err) {
    if (err instanceof MatrixFileError) throw new CliError(err.message);
    throw err;
  }
  if (o.json) {
    const d = detect(s);
    process.stdout.write(JSON.stringify(d) + '\n');
    return d.deadlocked.length ? EXIT.failure : EXIT.ok; // as the text form and the live `deadlock --json`
  }
  const r = formatDetection(s);
  process.stdout.write(r.text + '\n');
  return r.deadlocked ? EXIT.failure : EXIT.ok;
}

/** Registers `deadlock` and the resource commands (lock, sem, mq, ipcs, ipcrm). */
export function registerResourceCommands(program: Command, run: Runner): void {
  registerResourceUseCommands(program, run);
  program.command('deadlock').description('the live resource-allocation state (E, A, C, R) and deadlock detection; --matrix FILE: the seed\'s exercise')
    .option('--matrix <file>', 'a YAML file with existing, available (optional), allocation and request')
    .option('--json', 'print JSON').option('--dot', 'the resource-allocation graph in Graphviz (processes circles, resources boxes)')
    .action((o) => run(() => deadlockCommand(o)));
}
