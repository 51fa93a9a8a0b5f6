import { GraphBuilder, type Graph, type Tensor } from '@vaecf/engine';

/**
 * RecVAE (Shenbin et al., WSDM 2020) as engine graphs, built only from the
 * ops both engines already implement: swish is x * sigmoid(x) and layer
 * normalisation is sum / mul / sqrt / recip, so no engine needed a new op.
 *
 * Encoder (fc1, the sparse first layer, stays in JavaScript as for Mult-VAE;
 * a0 is its affine output on the L2-normalised, dropped-out input):
 *   h1 = LN1(swish(a0))
 *   hk = LNk(swish(fck(h{k-1}) + h1 + ... + h{k-1}))   k = 2..5 (dense residuals)
 *   mu = h5 Wmu + bmu;  logvar = h5 Wlv + blv
 * Decoder: logits = z Wd + bd, softmax over items.
 * Prior: log p(z) = logsumexp_k(log w_k + log N(z; m_k, v_k)) over the standard
 * normal, the frozen previous-epoch encoder's posterior (on the raw,
 * undropped input) and a wide normal (log-variance 10).
 * KL: the one-sample estimate log q(z|x) - log p(z), summed over latent
 * dims, weighted per user by klRow (gamma |items| / B, or beta / B).
 *
 * One graph per phase: 'encoder' returns the encoder's gradients (decoder
 * frozen), 'decoder' the decoder's (encoder frozen). Both compute the same
 * loss. Backward passes are written by hand, each derivative noted beside
 * it, and checked against tf.grad in test/model/recvae-contract.test.ts.
 */
export type RecvaePhase = 'encoder' | 'decoder';

/** Log-variance of the prior's wide component (the paper's). */
export const WIDE_LOGVAR = 10;
/** LayerNorm's epsilon in the authors' code. */
export const LN_EPS = 0.1;
/** Residual layers after fc1: fc2..fc5. */
export const DEEP_LAYERS = [2, 3, 4, 5] as const;
const LOG_2PI = Math.log(2 * Math.PI);

export interface RecvaeShape {
  readonly nItems: number;
  readonly hidden: number;
  readonly latent: number;
  /** Mixture weights: standard normal, previous posterior, wide normal. */
  readonly priorWeights: readonly [number, number, number];
}

/** Encoder parameters as graph values (fc1 lives in JS; its output comes in as a0). */
export interface EncoderParams {
  /** Index k = 2..5. */
  readonly w: Tensor[];
  readonly b: Tensor[];
  /** Layer norm gain and bias, index k = 1..5. */
  readonly gain: Tensor[];
  readonly shift: Tensor[];
  readonly wMu: Tensor;
  readonly bMu: Tensor;
  readonly wLv: Tensor;
  readonly bLv: Tensor;
}

/** The encoder's parameter inputs, named with `prefix` ('' for the trained encoder, 'o' for the prior's copy). */
export function encoderInputs(g: GraphBuilder, s: RecvaeShape, prefix: string): EncoderParams {
  const H = s.hidden;
  const w: Tensor[] = [];
  const b: Tensor[] = [];
  const gain: Tensor[] = [];
  const shift: Tensor[] = [];
  for (let k = 1; k <= 5; k++) {
    gain[k] = g.input(`${prefix}g${k}`, [H]);
    shift[k] = g.input(`${prefix}c${k}`, [H]);
  }
  for (const k of DEEP_LAYERS) {
    w[k] = g.input(`${prefix}W${k}`, [H, H]);
    b[k] = g.input(`${prefix}b${k}`, [H]);
  }
  return {
    w,
    b,
    gain,
    shift,
    wMu: g.input(`${prefix}Wmu`, [H, s.latent]),
    bMu: g.input(`${prefix}bmu`, [s.latent]),
    wLv: g.input(`${prefix}Wlv`, [H, s.latent]),
    bLv: g.input(`${prefix}blv`, [s.latent]),
  };
}

/** What the encoder's backward pass reads. */
interface EncoderForward {
  readonly mu: Tensor;
  readonly logvar: Tensor;
  /** h[k], k = 1..5. */
  readonly h: Tensor[];
  /** Pre-activations (swish inputs) and layer norms' saved values, k = 1..5. */
  readonly pre: Tensor[];
  readonly ln: LayerNormSaved[];
}

export function encoderForward(
  g: GraphBuilder,
  s: RecvaeShape,
  a0: Tensor,
  p: EncoderParams,
): EncoderForward {
  const h: Tensor[] = [];
  const pre: Tensor[] = [];
  const ln: LayerNormSaved[] = [];
  for (let k = 1; k <= 5; k++) {
    let x = k === 1 ? a0 : g.dense(h[k - 1], p.w[k], p.b[k]);
    for (let j = 1; j < k; j++) x = g.add(x, h[j]);
    pre[k] = x;
    ln[k] = layerNorm(g, s.hidden, swish(g, x), p.gain[k], p.shift[k]);
    h[k] = ln[k].y;
  }
  return {
    mu: g.dense(h[5], p.wMu, p.bMu),
    logvar: g.dense(h[5], p.wLv, p.bLv),
    h,
    pre,
    ln,
  };
}

/** Gradients of the encoder's parameters (same indexing as EncoderParams) and at a0. */
export interface EncoderGrads {
  readonly dW: Tensor[];
  readonly db: Tensor[];
  readonly dGain: Tensor[];
  readonly dShift: Tensor[];
  readonly dWMu: Tensor;
  readonly dBMu: Tensor;
  readonly dWLv: Tensor;
  readonly dBLv: Tensor;
  readonly dA0: Tensor;
}

export function encoderBackward(
  g: GraphBuilder,
  f: EncoderForward,
  p: EncoderParams,
  dMu: Tensor,
  dLv: Tensor,
): EncoderGrads {
  const dW: Tensor[] = [];
  const db: Tensor[] = [];
  const dGain: Tensor[] = [];
  const dShift: Tensor[] = [];
  // Heads: mu = h5 Wmu + bmu, logvar = h5 Wlv + blv.
  const dWMu = g.matmul(f.h[5], dMu, { transA: true });
  const dBMu = g.sum(dMu, 0);
  const dWLv = g.matmul(f.h[5], dLv, { transA: true });
  const dBLv = g.sum(dLv, 0);
  // dh[k] collects every use of h[k]: the next layer's input and each later residual sum.
  const dh: Tensor[] = [];
  dh[5] = g.add(g.matmul(dMu, p.wMu, { transB: true }), g.matmul(dLv, p.wLv, { transB: true }));
  let dA0: Tensor | undefined;
  for (let k = 5; k >= 1; k--) {
    const lnb = layerNormBackward(g, f.ln[k], p.gain[k], dh[k]);
    dGain[k] = lnb.dGain;
    dShift[k] = lnb.dShift;
    const dPre = swishGrad(g, f.pre[k], lnb.dx);
    if (k === 1) {
      dA0 = dPre;
      break;
    }
    // pre_k = h_{k-1} W_k + b_k + sum_{j<k} h_j.
    dW[k] = g.matmul(f.h[k - 1], dPre, { transA: true });
    db[k] = g.sum(dPre, 0);
    const viaW = g.matmul(dPre, p.w[k], { transB: true });
    for (let j = 1; j < k; j++) {
      const add = j === k - 1 ? g.add(viaW, dPre) : dPre;
      dh[j] = dh[j] ? g.add(dh[j], add) : add;
    }
  }
  return { dW, db, dGain, dShift, dWMu, dBMu, dWLv, dBLv, dA0: dA0! };
}

/** swish(x) = x sigmoid(x). */
export function swish(g: GraphBuilder, x: Tensor): Tensor {
  return g.mul(x, g.sigmoid(x));
}

/** d swish / dx = s + x s (1 - s), s = sigmoid(x): the upstream gradient times s (1 + x (1 - s)). */
export function swishGrad(g: GraphBuilder, x: Tensor, dy: Tensor): Tensor {
  const s = g.sigmoid(x);
  return g.mul(dy, g.mul(s, g.affineScalar(g.mul(x, g.affineScalar(s, -1, 1)), 1, 1)));
}

export interface LayerNormSaved {
  readonly y: Tensor;
  readonly xhat: Tensor;
  /** 1 / sqrt(var + eps), [B, 1]. */
  readonly inv: Tensor;
  readonly n: number;
}

/** Row-wise layer norm over n columns: y = (x - mean) / sqrt(var + eps) * gain + shift (biased var, as torch). */
export function layerNorm(
  g: GraphBuilder,
  n: number,
  x: Tensor,
  gain: Tensor,
  shift: Tensor,
): LayerNormSaved {
  const mean = g.affineScalar(g.sum(x, 1), 1 / n);
  const xc = g.sub(x, mean);
  const varEps = g.affineScalar(g.sum(g.square(xc), 1), 1 / n, LN_EPS);
  const inv = g.recip(g.sqrt(varEps));
  const xhat = g.mul(xc, inv);
  return { y: g.add(g.mul(xhat, gain), shift), xhat, inv, n };
}

/**
 * Layer norm's backward: dgain = colsum(dy xhat), dshift = colsum(dy), and with
 * dxhat = dy gain, dx = inv (dxhat - mean_row(dxhat) - xhat mean_row(dxhat xhat)).
 */
export function layerNormBackward(
  g: GraphBuilder,
  s: LayerNormSaved,
  gain: Tensor,
  dy: Tensor,
): { dx: Tensor; dGain: Tensor; dShift: Tensor } {
  const dGain = g.sum(g.mul(dy, s.xhat), 0);
  const dShift = g.sum(dy, 0);
  const dxhat = g.mul(dy, gain);
  const m1 = g.affineScalar(g.sum(dxhat, 1), 1 / s.n);
  const m2 = g.affineScalar(g.sum(g.mul(dxhat, s.xhat), 1), 1 / s.n);
  const dx = g.mul(s.inv, g.sub(g.sub(dxhat, m1), g.mul(s.xhat, m2)));
  return { dx, dGain, dShift };
}

/** Elementwise max(a, b) = (a + b + |a - b|) / 2, |d| = sqrt(d^2); only ever a shift, never differentiated. */
function max2(g: GraphBuilder, a: Tensor, b: Tensor): Tensor {
  return g.affineScalar(g.add(g.add(a, b), g.sqrt(g.square(g.sub(a, b)))), 0.5);
}

/**
 * The composite prior at z: log p(z) elementwise [B, d] and dlogp/dz.
 * log N(z; m, v) = -(log v + log 2 pi + (z - m)^2 / v) / 2; the mixture's
 * logsumexp is shifted by an elementwise max (exact whatever the shift is);
 * dlogp/dz = -sum_k r_k (z - m_k) / v_k with r_k the components' posterior
 * responsibilities exp(l_k - log p).
 */
export function compositePrior(
  g: GraphBuilder,
  s: RecvaeShape,
  z: Tensor,
  muOld: Tensor,
  lvOld: Tensor,
): { logp: Tensor; dLogpDz: Tensor } {
  const [w0, w1, w2] = s.priorWeights.map(Math.log);
  const z2 = g.square(z);
  const invVarOld = g.exp(g.neg(lvOld));
  const dOld = g.sub(z, muOld);
  const l0 = g.affineScalar(z2, -0.5, -0.5 * LOG_2PI + w0);
  const l1 = g.affineScalar(g.add(lvOld, g.mul(g.square(dOld), invVarOld)), -0.5, -0.5 * LOG_2PI + w1);
  const wideInv = Math.exp(-WIDE_LOGVAR);
  const l2 = g.affineScalar(z2, -0.5 * wideInv, -0.5 * (WIDE_LOGVAR + LOG_2PI) + w2);
  const m = max2(g, max2(g, l0, l1), l2);
  const sumExp = g.add(g.add(g.exp(g.sub(l0, m)), g.exp(g.sub(l1, m))), g.exp(g.sub(l2, m)));
  const logp = g.add(m, g.log(sumExp));
  const r0 = g.exp(g.sub(l0, logp));
  const r1 = g.exp(g.sub(l1, logp));
  const r2 = g.exp(g.sub(l2, logp));
  const pull = g.add(
    g.add(g.mul(r0, z), g.mul(g.mul(r1, dOld), invVarOld)),
    g.affineScalar(g.mul(r2, z), wideInv),
  );
  return { logp, dLogpDz: g.neg(pull) };
}

/**
 * A training step's graph for `phase`. Inputs: a0 [B, H] (fc1 on the
 * dropped-out input in the encoder phase, on the plain one in the decoder
 * phase), oa0 [B, H] (the prior copy's fc1 on the plain input), the encoder's
 * parameters, the prior copy's ('o' prefix), Wd [d, I], bd [I], eps [B, d],
 * klRow [B, 1] (each user's KL weight / B), and the multinomial loss's
 * xIndex, xRow, xNeg, rowScale (as step-graph.ts). Outputs: nllSum, klSum
 * (unweighted, summed over users), klWeighted (sum of klRow x the user's KL:
 * the batch mean of the weighted term), then the phase's gradients.
 */
export function recvaeTrainingGraph(s: RecvaeShape, phase: RecvaePhase): Graph {
  const g = new GraphBuilder(`recvae-${phase}`);
  const H = s.hidden;
  const d = s.latent;
  const a0 = g.input('a0', ['B', H]);
  const oa0 = g.input('oa0', ['B', H]);
  const enc = encoderInputs(g, s, '');
  const old = encoderInputs(g, s, 'o');
  const wD = g.input('Wd', [d, s.nItems]);
  const bD = g.input('bd', [s.nItems]);
  const eps = g.input('eps', ['B', d]);
  const klRow = g.input('klRow', ['B', 1]);
  const xIndex = g.input('xIndex', ['nnz'], 'int32');
  const xRow = g.input('xRow', ['nnz'], 'int32');
  const xNeg = g.input('xNeg', ['nnz']);
  const rowScale = g.input('rowScale', ['B', 1]);

  const f = encoderForward(g, s, a0, enc);
  const std = g.exp(g.affineScalar(f.logvar, 0.5));
  const z = g.add(f.mu, g.mul(eps, std)); // z = mu + eps exp(logvar / 2)
  const logits = g.dense(z, wD, bD);
  // The multinomial log-likelihood exactly as step-graph.ts computes it (see the reasons there).
  const p = g.softmax(logits);
  const lse = g.sub(g.rowMax(logits), g.log(g.rowMax(p)));
  const picked = g.sub(g.gatherFlat(logits, xIndex), g.gatherFlat(lse, xRow));
  g.output('nllSum', g.neg(g.sum(picked, 'all')));
  const u = g.scatterAddFlat(p, xIndex, xNeg); // d nll / d logits = rowScale * u

  // KL: log q(z | x) = -(logvar + log 2 pi + eps^2) / 2, since (z - mu)^2 / var = eps^2.
  const fo = encoderForward(g, s, oa0, old);
  const prior = compositePrior(g, s, z, fo.mu, fo.logvar);
  const logq = g.affineScalar(g.add(f.logvar, g.square(eps)), -0.5, -0.5 * LOG_2PI);
  const perUser = g.sum(g.sub(logq, prior.logp), 1);
  g.output('klSum', g.sum(perUser, 'all'));
  g.output('klWeighted', g.sum(g.mul(perUser, klRow), 'all'));

  if (phase === 'decoder') {
    // logits = z Wd + bd: dWd = (rowScale z)^T u, dbd = rowScale^T u.
    g.output('dWd', g.matmul(g.mul(z, rowScale), u, { transA: true }));
    g.output('dbd', g.matmul(rowScale, u, { transA: true }));
    return g.build();
  }
  // Through z = mu + eps std: dz = rowScale (u Wd^T) + klRow dKL/dz, dKL/dz = -dlogp/dz.
  const dz = g.add(g.mul(g.matmul(u, wD, { transB: true }), rowScale), g.mul(g.neg(prior.dLogpDz), klRow));
  // dmu = dz; dlogvar = dz eps std / 2 + klRow d logq / d logvar (total derivative -1/2).
  const dLv = g.add(g.affineScalar(g.mul(g.mul(dz, eps), std), 0.5), g.affineScalar(klRow, -0.5));
  const grads = encoderBackward(g, f, enc, dz, dLv);
  for (const k of DEEP_LAYERS) {
    g.output(`dW${k}`, grads.dW[k]);
    g.output(`db${k}`, grads.db[k]);
  }
  for (let k = 1; k <= 5; k++) {
    g.output(`dg${k}`, grads.dGain[k]);
    g.output(`dc${k}`, grads.dShift[k]);
  }
  g.output('dWmu', grads.dWMu);
  g.output('dbmu', grads.dBMu);
  g.output('dWlv', grads.dWLv);
  g.output('dblv', grads.dBLv);
  g.output('dA0', grads.dA0);
  return g.build();
}

/** Scoring: logits = mu(x) Wd + bd from a0 (fc1 on the plain input). */
export function recvaeScoringGraph(s: RecvaeShape): Graph {
  const g = new GraphBuilder('recvae-score');
  const a0 = g.input('a0', ['B', s.hidden]);
  const enc = encoderInputs(g, s, '');
  const wD = g.input('Wd', [s.latent, s.nItems]);
  const bD = g.input('bd', [s.nItems]);
  g.output('logits', g.dense(encoderForward(g, s, a0, enc).mu, wD, bD));
  return g.build();
}
