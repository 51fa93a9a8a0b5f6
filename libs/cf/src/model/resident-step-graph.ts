import { GraphBuilder, type Graph, type Tensor } from '@vaecf/engine';
import type { AdamHyper } from './adam';
import type { Architecture } from './architecture';
import { denseScores, denseStep, stepInputs } from './step-graph';

/**
 * The whole training step as one graph, for engines that keep the model's
 * state where they compute (a GPU): the first layer, the dense step of
 * step-graph.ts, and Adam, so that weights and moments stay on the device
 * and only the minibatch goes up and three sums come down.
 *
 * On the host the first layer is a gather of W's rows and Adam a JS loop
 * (network.ts: both faster there than as graph ops, docs/engines.md); here
 * the minibatch is scattered into a dense x [B, I] and the layer is a GEMM
 * with its weight gradient x^T dA0. A GEMM runs the same way every time,
 * where a scatter-add of the gathered rows into W would need atomic float
 * adds in an order that varies from run to run: the dense form keeps a
 * repeated run bit-identical.
 *
 * State (one value per name, see residentNames): W{i}, b{i} and their Adam
 * moments W{i}_m, W{i}_v, b{i}_m, b{i}_v for every layer i >= 0, updated in
 * place by the outputs W{i}_next, ... Per-step feeds: inIndex [nIn] (flat
 * positions r * I + i of the input's entries after dropout), inValue [nIn]
 * (their normalised, dropout-scaled values), lrT [1] (Adam's bias-corrected
 * step size) and the dense step's inputs (eps, klScale, xIndex, xRow, xNeg,
 * rowScale). Outputs to the host: nllSum, klSum (VAE) and squares, the sum
 * of every W^2 before the update (the step's L2 penalty).
 */
export function residentTrainingGraph(arch: Architecture, adam: AdamHyper, l2: number): Graph {
  const g = new GraphBuilder(`${arch.kind}-resident-train`);
  const params = stateParams(g, arch);
  const io = stepInputs(g, arch);
  const inIndex = g.input('inIndex', ['nIn'], 'int32');
  const inValue = g.input('inValue', ['nIn']);
  const lrT = g.input('lrT', [1]);

  const x = g.scatterAddFlat(g.zeros(io.rowScale, arch.nItems), inIndex, inValue);
  const a0 = g.dense(x, params[0].w, params[0].b);
  const step = denseStep(g, arch, a0, params, io);
  const dW = [g.matmul(x, step.dA0, { transA: true }), ...step.dW.slice(1)];
  const db = [g.sum(step.dA0, 0), ...step.db.slice(1)];

  g.output('nllSum', step.nllSum);
  if (step.klSum) g.output('klSum', step.klSum);
  let squares: Tensor | undefined;
  params.forEach(({ w, b }, i) => {
    const wSquares = g.sum(g.square(w), 'all');
    squares = squares ? g.add(squares, wSquares) : wSquares;
    // The L2 term joins W's gradient (not b's), as in the host path's Adam.
    adamUpdate(g, `W${i}`, w, l2 === 0 ? dW[i] : g.add(dW[i], g.affineScalar(w, l2)), lrT, adam);
    // The output layer's db is [1, I]: summing its one row makes it the [I] of b.
    const gb = db[i].shape.length === 2 ? g.sum(db[i], 0) : db[i];
    adamUpdate(g, `b${i}`, b, gb, lrT, adam);
  });
  g.output('squares', squares!);
  return g.build();
}

/** Scoring from the state: logits [B, I] for inIndex / inValue (normalised, no dropout), z = mu. */
export function residentScoringGraph(arch: Architecture): Graph {
  const g = new GraphBuilder(`${arch.kind}-resident-score`);
  const params = stateParams(g, arch);
  const rows = g.input('rows', ['B', 1]);
  const inIndex = g.input('inIndex', ['nIn'], 'int32');
  const inValue = g.input('inValue', ['nIn']);
  const x = g.scatterAddFlat(g.zeros(rows, arch.nItems), inIndex, inValue);
  g.output('logits', denseScores(g, arch, g.dense(x, params[0].w, params[0].b), params));
  return g.build();
}

/** The state's names for layer i: the weights and, for training, their Adam moments. */
export function residentNames(arch: Architecture, withMoments = true): string[] {
  return arch.layers.flatMap((_, i) =>
    withMoments ? [`W${i}`, `b${i}`, `W${i}_m`, `W${i}_v`, `b${i}_m`, `b${i}_v`] : [`W${i}`, `b${i}`],
  );
}

function stateParams(g: GraphBuilder, arch: Architecture): { w: Tensor; b: Tensor }[] {
  return arch.layers.map((l, i) => ({
    w: g.input(`W${i}`, [l.inputs, l.units]),
    b: g.input(`b${i}`, [l.units]),
  }));
}

/**
 * Adam as adam.ts computes it, in float32 on the device:
 *   m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2;  p <- p - lrT m / (sqrt(v) + eps)
 * with its moments read from the state as {name}_m and {name}_v.
 */
function adamUpdate(g: GraphBuilder, name: string, p: Tensor, grad: Tensor, lrT: Tensor, h: AdamHyper): void {
  const m = g.input(`${name}_m`, p.shape);
  const v = g.input(`${name}_v`, p.shape);
  const mNext = g.add(g.affineScalar(m, h.beta1), g.affineScalar(grad, 1 - h.beta1));
  const vNext = g.add(g.affineScalar(v, h.beta2), g.affineScalar(g.square(grad), 1 - h.beta2));
  const stepSize = g.div(g.mul(mNext, lrT), g.affineScalar(g.sqrt(vNext), 1, h.epsilon));
  g.output(`${name}_next`, g.sub(p, stepSize));
  g.output(`${name}_m_next`, mNext);
  g.output(`${name}_v_next`, vNext);
}

/** Output -> state name of every value the resident step updates. */
export function residentUpdates(arch: Architecture): Record<string, string> {
  return Object.fromEntries(residentNames(arch).map((n) => [`${n}_next`, n]));
}
