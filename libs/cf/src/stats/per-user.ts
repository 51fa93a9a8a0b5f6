import { createHash } from 'node:crypto';
import type { HeldOutSplit } from '../data/dataset';
import type { EvalResult } from '../eval/evaluate';

/** The per-user metrics kept for paired comparisons. */
export const PER_USER_METRICS = ['ndcg100', 'recall20', 'recall50'] as const;
export type PerUserMetric = (typeof PER_USER_METRICS)[number];

/**
 * One model's test metrics, user by user in the split's row order (NaN for
 * a user without held-out items), and the identity of the split they were
 * measured on: two vectors are paired only when their splits are the same.
 */
export interface PerUserMetrics {
  readonly split: string;
  readonly values: Readonly<Record<PerUserMetric, Float32Array>>;
}

/**
 * The identity of a held-out split: SHA-256 over its users' ids and both
 * CSR matrices (fold-in and held-out items), so that two sweeps on datasets
 * prepared differently, or from different data under one id, never pair.
 */
export function splitIdentity(split: HeldOutSplit): string {
  const h = createHash('sha256');
  h.update(`users ${split.userIds.length}\n`);
  for (const id of split.userIds) h.update(`${id}\n`);
  for (const m of [split.foldIn, split.heldOut]) {
    h.update(`csr ${m.nRows} ${m.nCols}\n`);
    h.update(new Uint8Array(m.indptr.buffer, m.indptr.byteOffset, m.indptr.byteLength));
    h.update(new Uint8Array(m.indices.buffer, m.indices.byteOffset, m.indices.byteLength));
  }
  return h.digest('hex');
}

/** The per-user vectors of an evaluate(..., { perUser: true }) result. */
export function perUserOf(result: EvalResult, split: string): PerUserMetrics {
  const p = result.perUser;
  if (!p) throw new Error('perUserOf: the evaluation kept no per-user metrics (perUser: true)');
  return {
    split,
    values: {
      ndcg100: Float32Array.from(p.ndcg[100]),
      recall20: Float32Array.from(p.recall[20]),
      recall50: Float32Array.from(p.recall[50]),
    },
  };
}

const MAGIC = 'VCFPU1\n';

/**
 * A compact binary form for the artifact store: a magic line, a JSON header
 * line ({ split, users, metrics }), then each metric's float32 values
 * (little-endian) in the header's order. 12 bytes a user.
 */
export function encodePerUser(m: PerUserMetrics): Uint8Array {
  const users = m.values.ndcg100.length;
  for (const k of PER_USER_METRICS)
    if (m.values[k].length !== users)
      throw new Error(`encodePerUser: ${k} has ${m.values[k].length} users, not ${users}`);
  const head = Buffer.from(
    `${MAGIC}${JSON.stringify({ split: m.split, users, metrics: PER_USER_METRICS })}\n`,
  );
  const out = Buffer.alloc(head.length + users * 4 * PER_USER_METRICS.length);
  head.copy(out);
  PER_USER_METRICS.forEach((k, j) => {
    const at = head.length + j * users * 4;
    m.values[k].forEach((v, u) => out.writeFloatLE(v, at + u * 4));
  });
  return out;
}

export function decodePerUser(bytes: Uint8Array): PerUserMetrics {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (why: string) => new Error(`per-user metrics file: ${why}`);
  if (buf.subarray(0, MAGIC.length).toString() !== MAGIC) throw bad('not a vaecf per-user metrics file');
  const end = buf.indexOf(10, MAGIC.length);
  if (end < 0) throw bad('no header');
  const head = JSON.parse(buf.subarray(MAGIC.length, end).toString()) as {
    split: string;
    users: number;
    metrics: string[];
  };
  const body = end + 1;
  if (buf.length !== body + head.users * 4 * head.metrics.length) throw bad('truncated or padded');
  const values = {} as Record<PerUserMetric, Float32Array>;
  for (const k of PER_USER_METRICS) {
    const j = head.metrics.indexOf(k);
    if (j < 0) throw bad(`no ${k}`);
    const v = new Float32Array(head.users);
    for (let u = 0; u < head.users; u++) v[u] = buf.readFloatLE(body + (j * head.users + u) * 4);
    values[k] = v;
  }
  return { split: head.split, values };
}

/**
 * The per-user mean of several models' vectors on one split: a
 * configuration trained with several seeds is compared as one model, each
 * user's metric averaged over its seeds (a user without held-out items is
 * NaN in every seed, and stays NaN). Refuses vectors of different splits.
 */
export function meanPerUser(vectors: readonly PerUserMetrics[]): PerUserMetrics {
  if (!vectors.length) throw new Error('meanPerUser: no vectors');
  const [first] = vectors;
  const users = first.values.ndcg100.length;
  for (const v of vectors) {
    if (v.split !== first.split)
      throw new Error('meanPerUser: the vectors were measured on different splits');
    for (const k of PER_USER_METRICS)
      if (v.values[k].length !== users)
        throw new Error(`meanPerUser: ${k} has ${v.values[k].length} users, not ${users}`);
  }
  const values = {} as Record<PerUserMetric, Float32Array>;
  for (const k of PER_USER_METRICS) {
    const out = new Float32Array(users);
    for (let u = 0; u < users; u++) {
      // Summed in float64, then rounded once to float32 (the stored precision).
      let s = 0;
      for (const v of vectors) s += v.values[k][u];
      out[u] = s / vectors.length;
    }
    values[k] = out;
  }
  return { split: first.split, values };
}
