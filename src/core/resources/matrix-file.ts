// The seed's deadlock exercise as a file: existing, optional available, allocation and request
// per process. Every inconsistency is an error naming its place (file:line:col).
import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { availableFrom, type MatrixState } from './detect.js';

/** An error in a matrix file, with its place. */
export class MatrixFileError extends Error {}

/** Parses and checks a matrix file's text. Resource classes are named 1..n. */
export function parseMatrixFile(text: string, file: string): MatrixState {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  const at = (n: Node | null | undefined, what: string): never => {
    const off = n?.range?.[0] ?? 0;
    const p = lc.linePos(off);
    throw new MatrixFileError(`${file}:${p.line}:${p.col}: ${what}`);
  };
  if (doc.errors.length) {
    const e = doc.errors[0];
    const p = lc.linePos(e.pos[0]);
    throw new MatrixFileError(`${file}:${p.line}:${p.col}: ${e.message.split('\n')[0]}`);
  }
  const root = doc.contents;
  if (!isMap(root)) return at(root, 'expected a mapping with existing, allocation and request');
  const known = ['existing', 'available', 'allocation', 'request'];
  for (const item of root.items) {
    const k = String((item.key as { value?: unknown })?.value ?? item.key);
    if (!known.includes(k)) at(item.key as Node, `unknown key "${k}": expected one of ${known.join(', ')}`);
  }
  const vector = (n: unknown, what: string, len?: number): number[] => {
    if (!isSeq(n)) return at(n as Node, `${what}: expected a list of whole numbers like [4, 2, 3, 1]`);
    const out = n.items.map((it) => {
      const v = (it as { value?: unknown }).value;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) at(it as Node, `${what}: expected a whole number ≥ 0, got ${JSON.stringify(v)}`);
      return v as number;
    });
    if (len != null && out.length !== len) at(n, `${what}: expected ${len} numbers (one per resource class), got ${out.length}`);
    return out;
  };
  const existingNode = root.get('existing', true);
  if (!existingNode) return at(root, 'missing "existing": the vector of existing resources per class');
  const existing = vector(existingNode, 'existing');
  const table = (key: 'allocation' | 'request') => {
    const n = root.get(key, true) as unknown;
    if (!n) return at(root, `missing "${key}": a mapping from process to a vector`);
    if (!isMap(n)) return at(n as Node, `${key}: expected a mapping like { P1: [0, 0, 1, 0] }`);
    return n.items.map((it) => [String((it.key as { value?: unknown }).value), vector(it.value, `${key}.${String((it.key as { value?: unknown }).value)}`, existing.length)] as const);
  };
  const alloc = table('allocation');
  const req = table('request');
  const holders = alloc.map(([h]) => h);
  const reqMap = new Map(req);
  for (const [h] of req) if (!holders.includes(h)) at(root.get('request', true) as Node, `request: process "${h}" has no allocation row`);
  for (const h of holders) if (!reqMap.has(h)) at(root.get('request', true) as Node, `request: missing a row for process "${h}"`);
  const allocation = alloc.map(([, v]) => v);
  const computed = availableFrom(existing, allocation);
  computed.forEach((a, k) => {
    if (a < 0) at(root.get('allocation', true) as Node, `allocation: class ${k + 1} has ${existing[k] - a} allocated but only ${existing[k]} existing`);
  });
  const availNode = root.get('available', true);
  if (availNode) {
    const given = vector(availNode, 'available', existing.length);
    if (given.some((a, k) => a !== computed[k])) {
      at(availNode as Node, `available: expected existing minus the allocations, [${computed.join(', ')}], got [${given.join(', ')}]`);
    }
  }
  return {
    resources: existing.map((_, k) => String(k + 1)), holders, existing, available: computed, allocation,
    request: holders.map((h) => reqMap.get(h)!),
  };
}
