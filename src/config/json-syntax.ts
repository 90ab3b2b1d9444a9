// JSON control files are read through the yaml package (for positions), but YAML accepts
// more than JSON (comments, single quotes, trailing commas), and V8's JSON.parse messages
// do not always carry a position. This strict checker finds the first syntax error and
// where it is, so a .json file is held to JSON and its error still gets a line:col.

/** The first JSON syntax error: its 0-based offset and a message; null if the text is JSON. */
export function jsonSyntaxError(text: string): { offset: number; message: string } | null {
  let i = 0;
  const fail = (message: string, at = i): never => {
    throw { offset: at, message: `invalid JSON: ${message}` };
  };
  const got = () => (i >= text.length ? 'the end of the file' : JSON.stringify(text[i]));
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const string = () => {
    const start = i++;
    for (;;) {
      if (i >= text.length) fail('unterminated string', start);
      const c = text[i];
      if (c === '"') return void i++;
      if (c < ' ') fail('control character in a string; write \\n or \\t');
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail('invalid escape in a string');
      } else i++;
    }
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') return container('}', true);
    if (c === '[') return container(']', false);
    if (c === '"') return string();
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (m && !/[\w.]/.test(text[i + m[0].length] ?? '')) return void (i += m[0].length);
    fail(`expected a value, got ${got()}`);
  };
  const container = (close: string, object: boolean) => {
    const open = i++;
    const unclosed = () => fail(`this "${text[open]}" is never closed`, open);
    ws();
    if (text[i] === close) return void i++;
    for (;;) {
      if (object) {
        ws();
        if (i >= text.length) unclosed();
        if (text[i] !== '"') fail(`expected a property name in double quotes, got ${got()}`);
        string();
        ws();
        if (text[i] !== ':') fail(`expected ":" after a property name, got ${got()}`);
        i++;
      }
      value();
      ws();
      if (text[i] === close) return void i++;
      if (i >= text.length) unclosed();
      if (text[i] !== ',') fail(`expected "," or "${close}", got ${got()}`);
      const comma = i++;
      ws();
      if (text[i] === close) fail(`trailing comma before "${close}"; remove it`, comma);
    }
  };
  try {
    ws();
    if (i >= text.length) fail('the file is empty; write {"programs": {}}');
    value();
    ws();
    if (i < text.length) fail(`unexpected ${got()} after the end of the document`);
    return null;
  } catch (e) {
    if (e && typeof e === 'object' && 'offset' in e) return e as { offset: number; message: string };
    throw e;
  }
}
