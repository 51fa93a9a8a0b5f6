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
  const lrT = adamStepSize(h, t);
  const { beta1: b1, beta2: b2, epsilon: eps } = h;
  const c1 = 1 - b1;
  const c2 = 1 - b2;
  let squares = 0;
  for (let k = 0; k < w.length; k++) {
    const wk = w[k];
    squares += wk * wk;
    const g = grad[k] + l2 * wk;
    const mk = b1 * m[k] + c1 * g;
    const vk = b2 * v[k] + c2 * g * g;
    m[k] = mk;
    v[k] = vk;
    w[k] = wk - (lrT * mk) / (Math.sqrt(vk) + eps);
  }
  return squares;
}
