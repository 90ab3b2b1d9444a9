// The command line parser: the commander behaviour appinit's commands rely on, checked one by one.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Command, CommanderError } from '../../../src/cli/args.js';

// Parses words with a fresh program built by `build`; returns what the action got, or the error.
async function parse(build: (p: Command, got: (v: unknown[]) => void) => void, ...words: string[]): Promise<{ args?: unknown[]; err?: CommanderError; out: string; errText: string }> {
  let out = '';
  let errText = '';
  let args: unknown[] | undefined;
  const p = new Command().name('appinit').version('9.9.9').configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (errText += s) });
  build(p, (v) => (args = v));
  try {
    await p.parseAsync(['node', 'appinit', ...words]);
    return { args, out, errText };
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    return { err, out, errText };
  }
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
const ps = (p: Command, got: (v: unknown[]) => void) => {
  p.command('ps').option('-e, --every').option('-f, --full').option('-l, --long').option('-o, --format <cols>', 'cols', collect)
    .option('--no-headers').option('-A').action((o) => got([o]));
};
const logs = (p: Command, got: (v: unknown[]) => void) => {
  p.command('logs [name]').option('-n, --lines <n>', 'how many', '15').option('-f, --follow').option('--since <time>').action((name, o) => got([name, o]));
};

describe('options', () => {
  test('combined short flags, repeated values, negation, defaults', async () => {
    assert.deepEqual((await parse(ps, 'ps', '-lf', '-o', 'pid', '-ocomm', '--no-headers')).args, [{ headers: false, long: true, full: true, format: ['pid', 'comm'] }]);
    assert.deepEqual((await parse(ps, 'ps', '-A')).args, [{ headers: true, A: true }]);
  });

  test('values attached, after =, or next (even when they start with "-")', async () => {
    assert.deepEqual((await parse(logs, 'logs', 'web', '-n5')).args, ['web', { lines: '5' }]);
    assert.deepEqual((await parse(logs, 'logs', '--lines=7', 'web')).args, ['web', { lines: '7' }]);
    assert.deepEqual((await parse(logs, 'logs', '--since', '-1h')).args, [undefined, { lines: '15', since: '-1h' }]);
  });

  test('an optional value: attached, the next word (as commander), or none before an option or at the end', async () => {
    const psu = (p: Command, got: (v: unknown[]) => void) => {
      p.command('ps [bsd]').option('-a').option('-u [users]').option('-x').option('-f').action((bsd, o) => got([bsd, o]));
    };
    assert.deepEqual((await parse(psu, 'ps', '-u', 'root')).args, [undefined, { u: 'root' }]);
    assert.deepEqual((await parse(psu, 'ps', '-uroot', 'aux')).args, ['aux', { u: 'root' }]);
    assert.deepEqual((await parse(psu, 'ps', '-aux')).args, [undefined, { a: true, u: 'x' }], '-aux: u takes the rest, ps decides');
    assert.deepEqual((await parse(psu, 'ps', '-u', '-f')).args, [undefined, { u: true, f: true }]);
    assert.deepEqual((await parse(psu, 'ps', '-u')).args, [undefined, { u: true }]);
    assert.deepEqual((await parse(psu, 'ps', '-fu', 'root')).args, [undefined, { f: true, u: 'root' }]);
  });

  test('a variadic option value takes the words up to the next option', async () => {
    const start = (p: Command, got: (v: unknown[]) => void) => {
      p.command('start [args...]').option('--env <NAME=VALUE...>').option('--name <n>').action((args, o) => got([args, o]));
    };
    assert.deepEqual((await parse(start, 'start', 'app.js', '--env', 'A=1', 'B=2', '--name', 'api', '--env', 'C=3')).args,
      [['app.js'], { env: ['A=1', 'B=2', 'C=3'], name: 'api' }]);
  });

  test('an unknown option, a missing value: a usage error naming it', async () => {
    const r = await parse(logs, 'logs', '-x');
    assert.equal(r.err?.exitCode, 1);
    assert.equal(r.errText, "error: unknown option '-x'\n");
    assert.equal((await parse(logs, 'logs', '--lines')).errText, "error: option '-n, --lines <n>' argument missing\n");
  });

  test('a flag given a value is a usage error, not the flag set (`up --wait=3` is not `up --wait`)', async () => {
    const r = await parse(logs, 'logs', '--follow=3');
    assert.equal(r.err?.exitCode, 1);
    assert.equal(r.args, undefined, 'the command did not run');
    assert.equal(r.errText, "error: option '-f, --follow' takes no value: '--follow=3'\n");
    assert.equal((await parse(ps, 'ps', '--no-headers=1')).errText, "error: option '--no-headers' takes no value: '--no-headers=1'\n");
    assert.deepEqual((await parse(logs, 'logs', '--follow')).args, [undefined, { lines: '15', follow: true }]);
  });
});

describe('arguments', () => {
  const life = (p: Command, got: (v: unknown[]) => void) => {
    p.command('stop <names...>').option('--json').action((names, o) => got([names, o]));
    p.command('status [name]').action((name) => got([name]));
  };

  test('variadic, optional, missing, too many', async () => {
    assert.deepEqual((await parse(life, 'stop', 'a', 'b', '--json')).args, [['a', 'b'], { json: true }]);
    assert.deepEqual((await parse(life, 'status')).args, [undefined]);
    assert.equal((await parse(life, 'stop')).errText, "error: missing required argument 'names'\n");
    assert.equal((await parse(life, 'status', 'a', 'b')).errText, "error: too many arguments for 'status'. Expected 1 argument but got 2.\n");
    assert.equal((await parse(life, 'nope')).errText, "error: unknown command 'nope'\n");
  });

  test('run: options until the command, then everything is the command\'s', async () => {
    const run = (p: Command, got: (v: unknown[]) => void) => {
      p.command('run').option('--bg').option('--name <n>').argument('<command...>').passThroughOptions().action((argv, o) => got([argv, o]));
    };
    assert.deepEqual((await parse(run, 'run', '--bg', 'ls', '-l', '--bg')).args, [['ls', '-l', '--bg'], { bg: true }]);
    assert.deepEqual((await parse(run, 'run', '--name', 'x', '--', '-weird')).args, [['-weird'], { name: 'x' }]);
  });

  test('kill: unknown options are arguments, -h is not help', async () => {
    const kill = (p: Command, got: (v: unknown[]) => void) => {
      p.command('kill').allowUnknownOption().helpOption(false).argument('[args...]').action((args) => got([args]));
    };
    assert.deepEqual((await parse(kill, 'kill', '-9', '%1', '-s', 'TERM', '-l', '-h')).args, [['-9', '%1', '-s', 'TERM', '-l', '-h']]);
  });

  test('subcommands', async () => {
    const cron = (p: Command, got: (v: unknown[]) => void) => {
      const c = p.command('cron');
      c.command('next <expr>').option('-n, --count <n>', 'how many', '5').action((e, o) => got([e, o]));
    };
    assert.deepEqual((await parse(cron, 'cron', 'next', '* * * * *', '-n', '2')).args, ['* * * * *', { count: '2' }]);
    const bare = await parse(cron, 'cron');
    assert.equal(bare.err?.exitCode, 1);
    assert.match(bare.errText, /^Usage: appinit cron \[options\] \[command\]/);
  });
});

describe('help and version', () => {
  test('--help and --version end with exit code 0 and print on stdout', async () => {
    const h = await parse(logs, 'logs', '--help');
    assert.equal(h.err?.exitCode, 0);
    assert.match(h.out, /^Usage: appinit logs \[options\] \[name\]\n/);
    assert.match(h.out, /-n, --lines <n> +how many \(default: "15"\)/);
    const v = await parse(logs, '--version');
    assert.equal(v.err?.exitCode, 0);
    assert.equal(v.out, '9.9.9\n');
    assert.match((await parse(logs, '--help')).out, /Commands:\n {2}logs \[options\] \[name\]/);
  });
});
