// Where the apps of an ecosystem.config.js are written. The file is evaluated (as PM2 does), so
// the values come from Node; this scanner only finds the object literals and the lines of their
// property keys, skipping comments, strings and templates, so a finding can name its line.

/** One `{ ... }` literal of the source: the lines of its own keys, and its `name:` string if literal. */
export interface ObjectLiteral {
  line: number;
  keys: Map<string, number>;
  name: string | null;
}

/** Every object literal in source order of its opening brace. */
export function objectLiterals(src: string): ObjectLiteral[] {
  const done: { start: number; obj: ObjectLiteral }[] = [];
  // pendingName: the last key read in this literal was `name`, so a string value is its name.
  const stack: { start: number; obj: ObjectLiteral; pendingName: boolean }[] = [];
  let line = 1;
  let last = ''; // the last significant character outside strings and comments
  let i = 0;
  const n = src.length;
  // Reads a quoted string starting at i (the quote), returns its value and moves i past it.
  const readString = (): string => {
    const q = src[i++];
    let s = '';
    while (i < n && src[i] !== q) {
      if (src[i] === '\\') { s += src[i + 1] ?? ''; i += 2; continue; }
      if (src[i] === '\n') line++;
      s += src[i++];
    }
    i++;
    return s;
  };
  const skipTemplate = (): void => {
    i++;
    let depth = 0;
    while (i < n) {
      const c = src[i];
      if (c === '\n') line++;
      if (c === '\\') { i += 2; continue; }
      if (depth === 0 && c === '`') { i++; return; }
      if (c === '$' && src[i + 1] === '{') { depth++; i += 2; continue; }
      if (c === '}' && depth > 0) depth--;
      i++;
    }
  };
  // After a key candidate: is the next significant character a colon?
  const colonFollows = (): boolean => {
    let j = i;
    while (j < n && /\s/.test(src[j])) j++;
    return src[j] === ':';
  };
  const top = () => stack[stack.length - 1];
  const keyPlace = () => stack.length > 0 && (last === '{' || last === ',');
  while (i < n) {
    const c = src[i];
    if (c === '\n') { line++; i++; continue; }
    if (/\s/.test(c)) { i++; continue; }
    if (c === '/' && src[i + 1] === '/') { while (i < n && src[i] !== '\n') i++; continue; }
    if (c === '/' && src[i + 1] === '*') {
      i += 2;
      while (i < n && !(src[i] === '*' && src[i + 1] === '/')) { if (src[i] === '\n') line++; i++; }
      i += 2;
      continue;
    }
    if (c === '"' || c === "'") {
      const at = line;
      const atKey = keyPlace();
      const s = readString();
      if (atKey && colonFollows()) top().obj.keys.set(s, at);
      else if (last === ':' && stack.length > 0 && top().pendingName) { top().obj.name = s; }
      if (stack.length > 0) top().pendingName = false;
      last = '"';
      continue;
    }
    if (c === '`') { skipTemplate(); last = '`'; continue; }
    if (/[A-Za-z_$]/.test(c)) {
      let j = i;
      while (j < n && /[\w$]/.test(src[j])) j++;
      const word = src.slice(i, j);
      const atKey = keyPlace();
      i = j;
      if (atKey && colonFollows()) {
        top().obj.keys.set(word, line);
        top().pendingName = word === 'name';
      } else if (stack.length > 0) top().pendingName = false;
      last = 'w';
      continue;
    }
    if (c === '{') { stack.push({ start: i, obj: { line, keys: new Map(), name: null }, pendingName: false }); last = '{'; i++; continue; }
    if (c === '}') { const o = stack.pop(); if (o) done.push({ start: o.start, obj: o.obj }); last = '}'; i++; continue; }
    last = c;
    i++;
  }
  return done.sort((a, b) => a.start - b.start).map((d) => d.obj);
}

/** The literal that most likely wrote app number `index` named `name`: by its literal name, else by order. */
export function findApp(literals: ObjectLiteral[], name: string | undefined, index: number): ObjectLiteral | null {
  const apps = literals.filter((o) => o.keys.has('script') || o.keys.has('name'));
  return apps.find((o) => name != null && o.name === name) ?? apps[index] ?? null;
}
