/**
 * Adam as TensorFlow 1's AdamOptimizer computes it (the paper's code uses it):
 *   m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2
 *   w <- w - lr_t m / (sqrt(v) + eps),  lr_t = lr sqrt(1 - b2^t) / (1 - b1^t)
 * We do not use tf.train.adam: it keeps b1^t as a float32 variable updated by
 * repeated multiplication but rebuilds it with pow() on restore, so a resumed
 * run drifts from an uninterrupted one. Here t is an integer saved in the
 * checkpoint and lr_t is computed in float64, so resume is exact.
 */
export interface AdamHyper {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
}

export function adamHyper(lr: number): AdamHyper {
  return { lr, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
}

/** The bias-corrected step size for update number t (1-based). */
export function adamStepSize(h: AdamHyper, t: number): number {
  return (h.lr * Math.sqrt(1 - h.beta2 ** t)) / (1 - h.beta1 ** t);
}

/** The constants of update number t (1-based) with L2 weight l2 (the gradient gets l2 * w added). */
export interface AdamStep {
  readonly lrT: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly l2: number;
}

export function adamStep(h: AdamHyper, t: number, l2: number): AdamStep {
  return { lrT: adamStepSize(h, t), beta1: h.beta1, beta2: h.beta2, epsilon: h.epsilon, l2 };
}

/**
 * One Adam update of a plain Float32Array parameter, in place, in one pass
 * with no temporaries (a tf graph of the same update makes ten [rows, units]
 * tensors). The gradient is `grad[k] + l2 * w[k]` (the L2 term folded in
 * here, so that a sparse layer whose data gradient touches few rows needs no
 * dense gradient pass). Returns sum(w^2) of the weights before the update:
 * the L2 penalty of the step, at no extra pass.
 */
export function adamUpdateArray(
  h: AdamHyper,
  t: number,
  w: Float32Array,
  grad: Float32Array,
  m: Float32Array,
  v: Float32Array,
  l2: number,
): number {
  return adamUpdateRange(adamStep(h, t, l2), w, m, v, 0, w.length, grad, 0);
}

/**
 * The same update of w[from, to) (and its moments), the data gradient of
 * w[k] being grad[k - from + gradOffset], or 0 when `grad` is null (rows a
 * sparse gradient did not touch: their moments still decay and L2 still
 * applies, as in TF's dense Adam). Returns sum(w^2) over the range before it.
 */
export function adamUpdateRange(
  s: AdamStep,
  w: Float32Array,
  m: Float32Array,
  v: Float32Array,
  from: number,
  to: number,
  grad: Float32Array | null,
  gradOffset: number,
): number {
  const { lrT, beta1: b1, beta2: b2, epsilon: eps, l2 } = s;
  const c1 = 1 - b1;
  const c2 = 1 - b2;
  let squares = 0;
  // Two copies of the loop rather than a test per element: this is the hottest JS loop of a step.
  if (grad) {
    const shift = gradOffset - from;
    for (let k = from; k < to; k++) {
      const wk = w[k];
      squares += wk * wk;
      const g = grad[k + shift] + l2 * wk;
      const mk = b1 * m[k] + c1 * g;
      const vk = b2 * v[k] + c2 * g * g;
      m[k] = mk;
      v[k] = vk;
      w[k] = wk - (lrT * mk) / (Math.sqrt(vk) + eps);
    }
  } else {
    for (let k = from; k < to; k++) {
      const wk = w[k];
      squares += wk * wk;
      // 0 + l2 * wk, as the dense gradient's zero entries would give.
      const g = l2 * wk;
      const mk = b1 * m[k] + c1 * g;
      const vk = b2 * v[k] + c2 * g * g;
      m[k] = mk;
      v[k] = vk;
      w[k] = wk - (lrT * mk) / (Math.sqrt(vk) + eps);
    }
  }
  return squares;
}
