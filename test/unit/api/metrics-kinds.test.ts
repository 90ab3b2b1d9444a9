// Scheduled runs are counted per user (each user's scrape shows their own); a scrape that sees
// several users' (root's) gets one series per kind: two series with the same labels (one per
// user) are a duplicate sample to Prometheus, which drops one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addHist, byKind } from '../../../src/api/metrics/collect.js';

test('runs of several users add up to one series per kind', () => {
  const runs = [{ uid: 0, kind: 'at', n: 1 }, { uid: 1001, kind: 'at', n: 2 }, { uid: 1001, kind: 'program', n: 3 }];
  const out = byKind(runs, (a, b) => ({ ...a, n: a.n + b.n }));
  assert.deepEqual([...out.values()].map((r) => [r.kind, r.n]), [['at', 3], ['program', 3]]);
});

test('lateness histograms of several users add bucket by bucket', () => {
  const h = (uid: number, counts: number[], sum: number, count: number) => ({ uid, kind: 'at', buckets: [0.1, 1], counts, sum, count });
  const out = byKind([h(0, [1, 0], 0.05, 1), h(1001, [1, 1], 0.6, 2)], addHist);
  assert.deepEqual(out.get('at'), { uid: 0, kind: 'at', buckets: [0.1, 1], counts: [2, 1], sum: 0.65, count: 3 });
});
