// The command line parser: the part of commander's API appinit uses, in one small file, because
// loading commander cost more than the rest of a command's start (bench/cli.ts). Commands are
// declared as with commander (`command('logs [name]').option('-n, --lines <n>', ...).action(f)`);
// options may be combined (`-lf`), attached (`-n5`, `--lines=5`) or negated (`--no-headers`).

/** A parse that ends the process: help or version shown (exitCode 0), or a usage error (1). */
export class CommanderError extends Error {
  constructor(public readonly exitCode: number, public readonly code: string, message: string) {
    super(message);
  }
}

interface OptionSpec {
  flags: string;
  short?: string;
  long?: string;
  key: string;
  value: 'none' | 'required' | 'optional';
  /** `<value...>`: every following word up to the next option is a value too. */
  variadic: boolean;
  negate: boolean;
  description: string;
  parse?: (value: string, previous: unknown) => unknown;
  dflt?: unknown;
  required: boolean;
}

interface ArgSpec {
  name: string;
  required: boolean;
  variadic: boolean;
  description: string;
}

type Action = (...args: any[]) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any -- commander's action signature

const camel = (s: string): string => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function parseArg(spec: string, description = ''): ArgSpec {
  const required = spec.startsWith('<');
  const inner = spec.slice(1, -1);
  const variadic = inner.endsWith('...');
  return { name: variadic ? inner.slice(0, -3) : inner, required, variadic, description };
}

/** One command (or the program itself), declared as commander declares it. */
export class Command {
  private _name = '';
  private _description = '';
  private _version: string | undefined;
  private _aliases: string[] = [];
  private readonly _options: OptionSpec[] = [];
  private readonly _args: ArgSpec[] = [];
  private readonly _commands: Command[] = [];
  private _action: Action | undefined;
  private _parent: Command | null = null;
  private _passThrough = false;
  private _allowUnknown = false;
  private _allowExcess = false;
  private _help = true;
  private _helpText: string[] = [];
  private _writeOut = (s: string): void => void process.stdout.write(s);
  private _writeErr = (s: string): void => void process.stderr.write(s);

  constructor(name = '') {
    this._name = name;
  }

  /** Adds a subcommand, `name <required> [optional] [rest...]`, and returns it. */
  command(nameAndArgs: string): Command {
    const [name, ...args] = nameAndArgs.trim().split(/\s+/);
    const c = new Command(name);
    c._parent = this;
    c._writeOut = this._writeOut;
    c._writeErr = this._writeErr;
    for (const a of args) c._args.push(parseArg(a));
    this._commands.push(c);
    return c;
  }

  /** Sets the name. */
  name(n: string): this {
    this._name = n;
    return this;
  }

  /** Sets the description shown in help. */
  description(d: string): this {
    this._description = d;
    return this;
  }

  /** Adds `-V, --version`. */
  version(v: string): this {
    this._version = v;
    return this;
  }

  /** Another name for this command. */
  alias(a: string): this {
    this._aliases.push(a);
    return this;
  }

  /** Declares an argument, as in command(): `<name>`, `[name]`, `<name...>`. */
  argument(spec: string, description = ''): this {
    this._args.push(parseArg(spec, description));
    return this;
  }

  /** Declares an option: `-s, --long`, `--long <value>`, `--long [value]`, `--no-long`. */
  option(flags: string, description = '', parseOrDefault?: unknown, dflt?: unknown): this {
    return this.addOptionSpec(flags, description, parseOrDefault, dflt, false);
  }

  /** An option that must be given. */
  requiredOption(flags: string, description = '', parseOrDefault?: unknown, dflt?: unknown): this {
    return this.addOptionSpec(flags, description, parseOrDefault, dflt, true);
  }

  private addOptionSpec(flags: string, description: string, parseOrDefault: unknown, dflt: unknown, required: boolean): this {
    const words = flags.split(/[ ,|]+/).filter(Boolean);
    const short = words.find((w) => /^-[^-]$/.test(w));
    const long = words.find((w) => w.startsWith('--'));
    const valueWord = words.find((w) => w.startsWith('<') || w.startsWith('['));
    const negate = long?.startsWith('--no-') ?? false;
    const key = long ? camel(negate ? long.slice(5) : long.slice(2)) : (short as string).slice(1);
    const parse = typeof parseOrDefault === 'function' ? (parseOrDefault as OptionSpec['parse']) : undefined;
    const spec: OptionSpec = {
      flags, short, long, key, negate, description, required, parse,
      value: valueWord == null ? 'none' : valueWord.startsWith('<') ? 'required' : 'optional',
      variadic: valueWord?.includes('...') ?? false,
      dflt: parse ? dflt : parseOrDefault,
    };
    this._options.push(spec);
    return this;
  }

  /** After the first argument, everything is an argument (`run -- CMD --its-flags`). */
  passThroughOptions(on = true): this {
    this._passThrough = on;
    return this;
  }

  /** Unknown options become arguments (`kill -9 %1`). */
  allowUnknownOption(on = true): this {
    this._allowUnknown = on;
    return this;
  }

  /** More arguments than declared are accepted. */
  allowExcessArguments(on = true): this {
    this._allowExcess = on;
    return this;
  }

  /** `helpOption(false)`: -h and --help are not taken as help (kill -h is an argument). */
  helpOption(on: boolean | string = true): this {
    this._help = on !== false;
    return this;
  }

  /** Text shown after the help. */
  addHelpText(_position: string, text: string): this {
    this._helpText.push(text);
    return this;
  }

  /** Accepted for commander compatibility: options of a command are always its own. */
  enablePositionalOptions(): this {
    return this;
  }

  /** Accepted for commander compatibility: a parse always ends by throwing CommanderError. */
  exitOverride(): this {
    return this;
  }

  /** Where help and errors are written. */
  configureOutput(o: { writeOut?: (s: string) => void; writeErr?: (s: string) => void }): this {
    if (o.writeOut) this._writeOut = o.writeOut;
    if (o.writeErr) this._writeErr = o.writeErr;
    return this;
  }

  /** What runs: the arguments in order, then the options object, then this command. */
  action(fn: Action): this {
    this._action = fn;
    return this;
  }

  /** Parses `argv` (node, script, words...) and runs the chosen command's action. */
  async parseAsync(argv: readonly string[]): Promise<this> {
    await this.dispatch(argv.slice(2));
    return this;
  }

  private fail(code: string, message: string): never {
    this._writeErr(`error: ${message}\n`);
    throw new CommanderError(1, code, message);
  }

  private path(): string {
    return this._parent ? `${this._parent.path()} ${this._name}` : this._name;
  }

  private async dispatch(words: string[]): Promise<void> {
    if (this._version && (words[0] === '-V' || words[0] === '--version')) this.showVersion();
    if (this._commands.length > 0) {
      const i = words.findIndex((w) => !w.startsWith('-'));
      for (const w of i < 0 ? words : words.slice(0, i)) {
        if (this._help && (w === '-h' || w === '--help')) this.showHelp();
        if (this._version && (w === '-V' || w === '--version')) this.showVersion();
        this.fail('commander.unknownOption', `unknown option '${w}'`);
      }
      if (i < 0) {
        if (this._action) return this.run([]);
        this._writeErr(this.helpText());
        throw new CommanderError(1, 'commander.help', '(outputHelp)');
      }
      const sub = this._commands.find((c) => c._name === words[i] || c._aliases.includes(words[i]));
      if (sub) return sub.dispatch(words.slice(i + 1));
      if (words[i] === 'help') {
        const target = this._commands.find((c) => c._name === words[i + 1]);
        return (target ?? this).showHelp();
      }
      this.fail('commander.unknownCommand', `unknown command '${words[i]}'`);
    }
    return this.run(words);
  }

  private showVersion(): never {
    this._writeOut(`${this._version}\n`);
    throw new CommanderError(0, 'commander.version', this._version as string);
  }

  private showHelp(): never {
    this._writeOut(this.helpText());
    throw new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)');
  }

  private findLong(name: string): { spec: OptionSpec; negated: boolean } | undefined {
    for (const spec of this._options) {
      if (spec.long === name) return { spec, negated: spec.negate };
    }
    return undefined;
  }

  private async run(words: string[]): Promise<void> {
    const opts: Record<string, unknown> = {};
    for (const o of this._options) {
      if (o.negate) opts[o.key] ??= o.dflt ?? true;
      else if (o.dflt !== undefined) opts[o.key] = o.dflt;
    }
    const positional: string[] = [];
    let i = 0;
    const set = (o: OptionSpec, value: string | boolean): void => {
      if (typeof value === 'string' && o.parse) opts[o.key] = o.parse(value, opts[o.key]);
      else if (typeof value === 'string' && o.variadic) {
        const more: string[] = [value];
        while (i + 1 < words.length && !words[i + 1].startsWith('-')) more.push(words[++i]);
        opts[o.key] = [...(Array.isArray(opts[o.key]) ? (opts[o.key] as string[]) : []), ...more];
      } else opts[o.key] = value;
    };
    for (; i < words.length; i++) {
      const w = words[i];
      if (w === '--') {
        positional.push(...words.slice(i + 1));
        break;
      }
      if (this._passThrough && positional.length > 0) {
        positional.push(...words.slice(i));
        break;
      }
      if (this._help && (w === '-h' || w === '--help')) this.showHelp();
      if (w.startsWith('--') && w.length > 2) {
        const eq = w.indexOf('=');
        const name = eq < 0 ? w : w.slice(0, eq);
        const found = this.findLong(name);
        if (!found) {
          if (this._allowUnknown) { positional.push(w); continue; }
          this.fail('commander.unknownOption', `unknown option '${name}'`);
        }
        const o = found.spec;
        // A flag given a value (`up --wait=3`) is refused, as commander does, not taken as set:
        // `--wait=3` read as `--wait` waited 90 s (the default) where 3 were asked for.
        if (o.value === 'none' && eq >= 0) this.fail('commander.unknownOption', `option '${o.flags}' takes no value: '${w}'`);
        if (o.value === 'none') set(o, !found.negated);
        else if (eq >= 0) set(o, w.slice(eq + 1));
        else if (o.value === 'required') {
          if (i + 1 >= words.length) this.fail('commander.optionMissingArgument', `option '${o.flags}' argument missing`);
          set(o, words[++i]);
        } else if (i + 1 < words.length && !words[i + 1].startsWith('-')) set(o, words[++i]);
        else set(o, true);
        continue;
      }
      if (w.startsWith('-') && w.length > 1) {
        // Short options, possibly combined (-lf) or with the value attached (-n5).
        for (let k = 1; k < w.length; k++) {
          const o = this._options.find((x) => x.short === `-${w[k]}`);
          if (!o) {
            if (this._allowUnknown && k === 1) { positional.push(w); break; }
            this.fail('commander.unknownOption', `unknown option '-${w[k]}'`);
          }
          if (o.value === 'none') { set(o, true); continue; }
          const rest = w.slice(k + 1);
          if (rest !== '') set(o, rest);
          else if (o.value === 'required') {
            if (i + 1 >= words.length) this.fail('commander.optionMissingArgument', `option '${o.flags}' argument missing`);
            set(o, words[++i]);
          } else if (k === w.length - 1 && i + 1 < words.length && !words[i + 1].startsWith('-')) set(o, words[++i]); // as commander: `-u root`
          else set(o, true);
          break;
        }
        continue;
      }
      positional.push(w);
    }
    for (const o of this._options) {
      if (o.required && opts[o.key] === undefined) this.fail('commander.missingMandatoryOptionValue', `required option '${o.flags}' not specified`);
    }
    const args: unknown[] = [];
    let p = 0;
    for (const a of this._args) {
      if (a.variadic) {
        const rest = positional.slice(p);
        p = positional.length;
        if (a.required && rest.length === 0) this.fail('commander.missingArgument', `missing required argument '${a.name}'`);
        args.push(rest);
      } else {
        if (a.required && p >= positional.length) this.fail('commander.missingArgument', `missing required argument '${a.name}'`);
        args.push(positional[p++]);
      }
    }
    if (p < positional.length && !this._allowExcess) {
      const n = this._args.length;
      this.fail('commander.excessArguments', `too many arguments${this._parent ? ` for '${this._name}'` : ''}. Expected ${n} argument${n === 1 ? '' : 's'} but got ${positional.length}.`);
    }
    if (!this._action) return;
    await this._action(...args, opts, this);
  }

  /** The help of this command, as commander formats it. */
  helpText(): string {
    const argsText = this._args.map((a) => (a.required ? `<${a.name}${a.variadic ? '...' : ''}>` : `[${a.name}${a.variadic ? '...' : ''}]`)).join(' ');
    const lines = [`Usage: ${this.path()}${this._options.length || this._help ? ' [options]' : ''}${this._commands.length ? ' [command]' : ''}${argsText ? ` ${argsText}` : ''}`, ''];
    if (this._description) lines.push(this._description, '');
    const rows = (items: [string, string][]): string[] => {
      const w = Math.max(...items.map(([l]) => l.length));
      return items.map(([l, d]) => `  ${l.padEnd(w)}  ${d}`.trimEnd());
    };
    const opts: [string, string][] = this._options.map((o) => [o.flags, o.description + (o.dflt !== undefined && !o.negate ? ` (default: ${JSON.stringify(o.dflt)})` : '')]);
    if (this._version) opts.unshift(['-V, --version', 'output the version number']);
    if (this._help) opts.push(['-h, --help', 'display help for command']);
    if (opts.length) lines.push('Options:', ...rows(opts), '');
    if (this._commands.length) {
      const cmds: [string, string][] = this._commands.map((c) => [
        [c._name + (c._aliases.length ? `|${c._aliases.join('|')}` : ''), c._options.length ? '[options]' : '', ...c._args.map((a) => (a.required ? `<${a.name}${a.variadic ? '...' : ''}>` : `[${a.name}${a.variadic ? '...' : ''}]`))].filter(Boolean).join(' '),
        c._description,
      ]);
      lines.push('Commands:', ...rows(cmds), '');
    }
    for (const t of this._helpText) lines.push(t);
    return lines.join('\n').replace(/\n+$/, '\n');
  }
}
