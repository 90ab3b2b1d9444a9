// `appinit import pm2 FILE` and `appinit import supervisord FILE`: a control file from PM2's or
// supervisord's, on stdout or -o FILE; what did not map on stderr at its file:line.
// Exit: 0 everything mapped; 3 written, but settings were left out; 1 nothing written; 2 usage.
import { renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from '../args.js';
import { CliError, EXIT } from '../context.js';
import type { Runner } from '../modules.js';

/** Exit status when the control file was written but some settings could not be carried over. */
export const EXIT_DROPPED = 3;

interface ImportOptions {
  output?: string;
  env?: string;
}

/** Registers `import`. */
export function registerImportCommands(program: Command, run: Runner): void {
  program.command('import <from> <file>').description('write a control file from PM2\'s (ecosystem.config.js, pm2 jlist output, dump.pm2) or supervisord\'s (supervisord.conf)')
    .option('-o, --output <file>', 'write the control file here instead of stdout')
    .option('--env <name>', 'pm2: apply env_<name> over env, as pm2 start --env <name>')
    .action((from: string, file: string, o: ImportOptions) => run(() => importCommand(from, file, o)));
}

async function importCommand(from: string, file: string, o: ImportOptions): Promise<number> {
  const { Findings, formatFinding } = await import('../../import/findings.js');
  const { renderControlFile } = await import('../../import/program-out.js');
  const { parseControlText } = await import('../../config/load.js');
  const f = new Findings();
  let programs;
  try {
    if (from === 'pm2') {
      const { readPm2File } = await import('../../import/pm2-read.js');
      const { mapPm2Apps } = await import('../../import/pm2.js');
      const { apps, others } = await readPm2File(file);
      programs = mapPm2Apps(apps, file, dirname(resolve(file)), f, { envName: o.env });
      for (const k of others) f.drop(file, k.line, '', k.key, k.key === 'deploy' ? 'appinit does not deploy code; keep using pm2 deploy or your own tool' : 'not an app setting');
    } else if (from === 'supervisord' || from === 'supervisor') {
      const { readIni } = await import('../../import/ini.js');
      const { mapSupervisord } = await import('../../import/supervisord.js');
      programs = mapSupervisord(readIni(file), f);
    } else throw new CliError(`import: expected pm2 or supervisord, got "${from}"`, EXIT.usage);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`import ${from}: ${file}: ${(e as Error).message}`);
  }
  if (programs.size === 0) throw new CliError(`import ${from}: ${file}: no programs found`);
  const text = renderControlFile(file, from, programs);
  // What is written must load: a failure here is a value the source had that appinit refuses.
  const out = o.output ? resolve(o.output) : resolve('appinit.yaml');
  try {
    parseControlText(text, o.output ?? '<stdout>', dirname(out), 'yaml');
  } catch (e) {
    throw new CliError(`import ${from}: ${file}: the result would not load:\n${(e as Error).message}`);
  }
  const sorted = [...f.list].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  for (const x of sorted) process.stderr.write(`appinit: ${formatFinding(x)}\n`);
  if (o.output) {
    const tmp = `${out}.tmp-${process.pid}`;
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, out);
  } else process.stdout.write(text);
  const dropped = f.list.filter((x) => x.dropped).length;
  if (dropped) process.stderr.write(`appinit: import ${from}: ${dropped} setting${dropped === 1 ? '' : 's'} not mapped (listed above); exit status ${EXIT_DROPPED}\n`);
  return dropped ? EXIT_DROPPED : EXIT.ok;
}
