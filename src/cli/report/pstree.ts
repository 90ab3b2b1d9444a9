// pstree as psmisc 23 draws it (`pstree -A` symbols by default): children sorted by name,
// identical sibling subtrees folded into `N*[...]`, threads as `{name}`, lines cut at the
// output width with '+'. The drawing is psmisc's dump_tree, ported.
import type { ProcInfo } from '../../os/proc/types.js';

/** Options for formatPstree beyond the root and marks. */
export interface PstreeOptions {
  /** 'ascii' as `pstree -A` (default), 'unicode' as `pstree -U`. */
  symbols?: 'ascii' | 'unicode';
  /** Output width; psmisc uses 132 when not on a terminal. Infinity = `pstree -l`. */
  width?: number;
  /** Show threads (default true); false = `pstree -T`. */
  threads?: boolean;
  /** Use each thread's own name (from ProcInfo.threads) as `pstree -t`; default: the process name. */
  threadNames?: boolean;
  /** Fold identical subtrees (default true; psmisc turns it off with -p). */
  compact?: boolean;
  /** `pstree -p`: each process's pid (and thread's tid, from ProcInfo.threads) in parentheses
   *  after its name, a mark after it (`sleep(4242,%1)`); implies compact: false, as psmisc. */
  pids?: boolean;
}

interface Sym {
  empty: string;
  branch: string;
  vert: string;
  last: string;
  single: string;
  first: string;
}

const ASCII: Sym = { empty: '  ', branch: '|-', vert: '| ', last: '`-', single: '---', first: '-+-' };
const UNICODE: Sym = { empty: '  ', branch: '├─', vert: '│ ', last: '└─', single: '───', first: '─┬─' };

interface Node {
  name: string;
  uid: number;
  /** The pid or tid shown with -p. */
  id?: number;
  mark?: string;
  children: Node[];
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** psmisc's out_args: backslash doubled, non-printable bytes as \ooo. */
function escapeName(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    if (byte === 0x5c) out += '\\\\';
    else if (byte >= 0x20 && byte <= 0x7e) out += String.fromCharCode(byte);
    else out += `\\${byte.toString(8).padStart(3, '0')}`;
  }
  return out;
}

function buildTree(procs: readonly ProcInfo[], rootPid: number, marks: ReadonlyMap<number, string> | undefined, opts: PstreeOptions): Node | null {
  const nodes = new Map<number, Node>();
  for (const p of procs) {
    const mark = marks?.get(p.pid);
    const node: Node = { name: escapeName(p.comm), uid: p.euid, children: [] };
    if (opts.pids) node.id = p.pid;
    if (mark !== undefined) node.mark = mark;
    nodes.set(p.pid, node);
  }
  for (const p of procs) {
    const node = nodes.get(p.pid) as Node;
    if (opts.threads !== false && p.numThreads > 1) {
      // With -p each thread shows its tid: the threads /proc listed are drawn, when it was read.
      const threads: { name: string; id: number | undefined }[] = (opts.pids || opts.threadNames) && p.threads
        ? p.threads.map((t) => ({ name: opts.threadNames ? t.comm : p.comm, id: t.tid }))
        : Array.from({ length: p.numThreads - 1 }, () => ({ name: p.comm, id: undefined }));
      for (const t of threads) {
        const tn: Node = { name: `{${escapeName(t.name.slice(0, 16))}}`, uid: p.euid, children: [] };
        if (opts.pids && t.id !== undefined) tn.id = t.id;
        node.children.push(tn);
      }
    }
    if (p.pid === rootPid || p.pid === p.ppid) continue;
    nodes.get(p.ppid)?.children.push(node);
  }
  // psmisc inserts each child before the first sibling with a greater name (then uid): a stable sort.
  for (const n of nodes.values()) n.children.sort((a, b) => cmp(a.name, b.name) || a.uid - b.uid || (a.id ?? 0) - (b.id ?? 0));
  return nodes.get(rootPid) ?? null;
}

function label(n: Node): string {
  const inParens = [n.id, n.mark].filter((x) => x !== undefined);
  return inParens.length ? `${n.name}(${inParens.join(',')})` : n.name;
}

function treeEqual(a: Node, b: Node): boolean {
  if (a.name !== b.name || a.mark !== b.mark || a.children.length !== b.children.length) return false;
  return a.children.every((c, i) => treeEqual(c, b.children[i] as Node));
}

class Out {
  lines: string[] = [];
  private line = '';
  x = 1; // psmisc's cur_x starts at 1: a full line holds width-1 characters and a '+'
  constructor(readonly width: number) {}
  put(s: string): void {
    for (const ch of s) {
      this.x++;
      if (this.x <= this.width) this.line += ch;
      else if (this.x === this.width + 1) this.line += '+';
    }
  }
  newline(): void {
    this.lines.push(this.line);
    this.line = '';
    this.x = 1;
  }
}

function dump(o: Out, sym: Sym, compact: boolean, widths: number[], more: boolean[], n: Node, level: number, rep: number, leaf: boolean, last: boolean, closing: number): void {
  if (!leaf) {
    for (let lvl = 0; lvl < level; lvl++) {
      o.put(' '.repeat((widths[lvl] ?? 0) + 1));
      o.put(lvl === level - 1 ? (last ? sym.last : sym.branch) : more[lvl + 1] ? sym.vert : sym.empty);
    }
  }
  let add = 0;
  if (rep >= 2) {
    const count = String(rep);
    o.put(`${count}*[`);
    add = count.length + 2;
  }
  const text = label(n);
  o.put(text);
  if (n.children.length === 0) {
    o.put(']'.repeat(closing));
    o.newline();
  }
  more[level] = !last;
  widths[level] = text.length + add;
  if (o.x >= o.width) {
    o.put(`${sym.first}+`);
    o.newline();
    return;
  }
  const kids = [...n.children];
  for (let i = 0; i < kids.length; i++) {
    const child = kids[i] as Node;
    let count = 0;
    if (compact) {
      for (let j = i + 1; j < kids.length;) {
        if (treeEqual(child, kids[j] as Node)) {
          kids.splice(j, 1);
          count++;
        } else j++;
      }
    }
    const hasNext = i + 1 < kids.length;
    if (i === 0) o.put(hasNext ? sym.first : sym.single);
    dump(o, sym, compact, widths, more, child, level + 1, count + 1, i === 0, !hasNext, closing + (count ? 1 : 0));
  }
}

/** Draws the process tree from rootPid (default 1) as pstree; marks label nodes, e.g. 4242 -> "%1" gives `sleep(%1)`. */
export function formatPstree(procs: readonly ProcInfo[], rootPid = 1, marks?: ReadonlyMap<number, string>, opts: PstreeOptions = {}): string {
  const root = buildTree(procs, rootPid, marks, opts);
  if (root === null) return '';
  const out = new Out(opts.width ?? 132);
  dump(out, opts.symbols === 'unicode' ? UNICODE : ASCII, opts.compact !== false && !opts.pids, [], [], root, 0, 1, true, true, 0);
  return `${out.lines.join('\n')}\n`;
}
