import { GraphBuilder, type Graph, type Tensor } from '@vaecf/engine';
import type { Architecture } from './architecture';

/**
 * The dense part of Mult-VAE / Mult-DAE as engine graphs: everything after
 * the sparse first layer's affine map (which stays in JavaScript, where a
 * minibatch's few nonzeros make it a gather). Layer i >= 1 of the
 * architecture reads W{i} [inputs, units] and b{i} [units].
 *
 * Training graph inputs:
 *   a0 [B, H0]       the first layer's affine output (before its tanh)
 *   W{i}, b{i}       the dense layers' weights
 *   eps [B, d]       the VAE's noise (drawn in JS, so every engine sees the same draws)
 *   klScale [1]      beta / B (VAE)
 *   xIndex [nnz]     flat positions r * I + i of the minibatch's raw nonzeros
 *   xRow [nnz]       their rows r
 *   xNeg [nnz]       -1 / n_r for a nonzero of row r, n_r the row's nonzeros
 *   rowScale [B, 1]  n_r / B
 * Outputs: nllSum [1] = -sum over nonzeros of log softmax(logits)[r, i],
 * klSum [1] (VAE), dW{i} and db{i} of the data loss (the L2 term is added
 * by the optimizer), and dA0 [B, H0], the gradient at a0.
 *
 * The backward pass is written by hand (each step's derivative noted
 * beside it) and checked against tf.grad of the reference graph in the tests.
 */
export function trainingGraph(arch: Architecture): Graph {
  const g = new GraphBuilder(`${arch.kind}-train`);
  const a0 = g.input('a0', ['B', arch.layers[0].units]);
  const step = denseStep(g, arch, a0, denseParams(g, arch), stepInputs(g, arch));
  g.output('nllSum', step.nllSum);
  if (step.klSum) g.output('klSum', step.klSum);
  for (let i = 1; i < arch.layers.length; i++) {
    g.output(`dW${i}`, step.dW[i]);
    g.output(`db${i}`, step.db[i]);
  }
  g.output('dA0', step.dA0);
  return g.build();
}

/** The per-minibatch inputs of a training step besides the network's input (see trainingGraph). */
export interface StepInputs {
  readonly eps?: Tensor;
  readonly klScale?: Tensor;
  readonly xIndex: Tensor;
  readonly xRow: Tensor;
  readonly xNeg: Tensor;
  readonly rowScale: Tensor;
}

export function stepInputs(g: GraphBuilder, arch: Architecture): StepInputs {
  const vae = arch.kind === 'vae';
  return {
    eps: vae ? g.input('eps', ['B', arch.latent]) : undefined,
    klScale: vae ? g.input('klScale', [1]) : undefined,
    xIndex: g.input('xIndex', ['nnz'], 'int32'),
    xRow: g.input('xRow', ['nnz'], 'int32'),
    xNeg: g.input('xNeg', ['nnz']),
    rowScale: g.input('rowScale', ['B', 1]),
  };
}

/** What denseStep computes: the data loss's sums and gradients (index = layer index; 0 unused in dW/db). */
export interface DenseStep {
  readonly nllSum: Tensor;
  readonly klSum?: Tensor;
  readonly dW: Tensor[];
  /** [units] per layer ([1, I] for the output layer: the same values). */
  readonly db: Tensor[];
  readonly dA0: Tensor;
}

/**
 * Forward and hand-written backward of everything after the first layer's
 * affine output a0, into g: the body of trainingGraph, shared with the
 * resident step (resident-step-graph.ts) that also holds the first layer
 * and Adam.
 */
export function denseStep(
  g: GraphBuilder,
  arch: Architecture,
  a0: Tensor,
  params: { w: Tensor; b: Tensor }[],
  io: StepInputs,
): DenseStep {
  const { layers } = arch;
  const vae = arch.kind === 'vae';
  const { eps, klScale, xIndex, xRow, xNeg, rowScale } = io;

  // Forward, keeping what the backward pass reads.
  const h0 = layers[0].tanh ? g.tanh(a0) : a0;
  const inputs: Tensor[] = [];
  const outputs: Tensor[] = [h0];
  let h = h0;
  let mu: Tensor | undefined;
  let logvar: Tensor | undefined;
  let std: Tensor | undefined;
  for (let i = 1; i < layers.length; i++) {
    if (vae && i === arch.decoderStart) {
      const d = arch.latent;
      mu = g.sliceCols(h, 0, d);
      logvar = g.sliceCols(h, d, 2 * d);
      std = g.exp(g.affineScalar(logvar, 0.5));
      h = g.add(mu, g.mul(eps!, std)); // z = mu + eps * exp(logvar / 2)
    }
    inputs[i] = h;
    const pre = g.dense(h, params[i].w, params[i].b);
    h = layers[i].tanh ? g.tanh(pre) : pre;
    outputs[i] = h;
  }
  const logits = h;

  // Multinomial likelihood: log p_ri = l_ri - logsumexp_j l_rj, read at x's nonzeros only. The
  // row's logsumexp comes from the softmax already computed: at the row's largest logit m_r,
  // p = e^(m_r - lse_r) >= 1/I never underflows, so lse_r = m_r - log max_j p_rj, exact in float32
  // where log p itself would underflow, without a second exp pass over [B, I].
  const p = g.softmax(logits);
  const lse = g.sub(g.rowMax(logits), g.log(g.rowMax(p)));
  const picked = g.sub(g.gatherFlat(logits, xIndex), g.gatherFlat(lse, xRow));
  const nllSum = g.neg(g.sum(picked, 'all'));
  // d nll / d logits = (n_r / B) (softmax(l) - x / n_r), kept as its unscaled part u = p - x / n_r
  // (a scatter into p), the row scale s = n_r / B moved onto the output layer's small neighbours:
  // dW = (s h)^T u, db = s^T u, dh = s (u W^T). No pass over [B, I] for the scale.
  const u = g.scatterAddFlat(p, xIndex, xNeg);

  let klSum: Tensor | undefined;
  if (vae) {
    // KL(N(mu, sigma^2) || N(0, 1)) summed over dims and users: 0.5 (e^logvar + mu^2 - 1 - logvar).
    const variance = g.square(std!);
    const perDim = g.affineScalar(g.sub(g.add(variance, g.square(mu!)), logvar!), 0.5, -0.5);
    klSum = g.sum(perDim, 'all');
  }

  const dW: Tensor[] = [];
  const db: Tensor[] = [];
  const L = layers.length - 1; // the output layer: linear
  let grad = u;
  for (let i = L; i >= 1; i--) {
    if (i === L) {
      dW[i] = g.matmul(g.mul(inputs[i], rowScale), u, { transA: true });
      db[i] = g.matmul(rowScale, u, { transA: true }); // [1, I]: the same values as [I]
      grad = g.mul(g.matmul(u, params[i].w, { transB: true }), rowScale);
    } else {
      if (layers[i].tanh) grad = tanhGrad(g, grad, outputs[i]);
      dW[i] = g.matmul(inputs[i], grad, { transA: true }); // dW = h^T g
      db[i] = g.sum(grad, 0); // db = column sums of g
      grad = g.matmul(grad, params[i].w, { transB: true }); // dh = g W^T
    }
    if (vae && i === arch.decoderStart) {
      // z = mu + eps * std, std = exp(logvar / 2), plus beta * KL / B:
      //   dmu = dz + klScale * mu;  dlogvar = dz * eps * std / 2 + klScale * (e^logvar - 1) / 2
      const dMu = g.add(grad, g.mul(mu!, klScale!));
      const dLogvar = g.add(
        g.affineScalar(g.mul(g.mul(grad, eps!), std!), 0.5),
        g.mul(g.affineScalar(g.square(std!), 0.5, -0.5), klScale!),
      );
      grad = g.concatCols([dMu, dLogvar]);
    }
  }
  const dA0 = layers[0].tanh ? tanhGrad(g, grad, h0) : grad;
  return { nllSum, klSum, dW, db, dA0 };
}

/** Scoring: logits [B, I] from a0 with no dropout and z = mu (inputs a0, W{i}, b{i}). */
export function scoringGraph(arch: Architecture): Graph {
  const g = new GraphBuilder(`${arch.kind}-score`);
  const a0 = g.input('a0', ['B', arch.layers[0].units]);
  g.output('logits', denseScores(g, arch, a0, denseParams(g, arch)));
  return g.build();
}

/** Logits from a0 with no dropout and z = mu. */
export function denseScores(
  g: GraphBuilder,
  arch: Architecture,
  a0: Tensor,
  params: { w: Tensor; b: Tensor }[],
): Tensor {
  const { layers } = arch;
  let h = layers[0].tanh ? g.tanh(a0) : a0;
  for (let i = 1; i < layers.length; i++) {
    if (arch.kind === 'vae' && i === arch.decoderStart) h = g.sliceCols(h, 0, arch.latent);
    const pre = g.dense(h, params[i].w, params[i].b);
    h = layers[i].tanh ? g.tanh(pre) : pre;
  }
  return h;
}

export function denseParams(g: GraphBuilder, arch: Architecture): { w: Tensor; b: Tensor }[] {
  const params: { w: Tensor; b: Tensor }[] = [];
  arch.layers.forEach((l, i) => {
    if (i === 0) return;
    params[i] = { w: g.input(`W${i}`, [l.inputs, l.units]), b: g.input(`b${i}`, [l.units]) };
  });
  return params;
}

/** d/dx tanh(x) given y = tanh(x): g * (1 - y^2). */
function tanhGrad(g: GraphBuilder, grad: Tensor, y: Tensor): Tensor {
  return g.mul(grad, g.affineScalar(g.square(y), -1, 1));
}
