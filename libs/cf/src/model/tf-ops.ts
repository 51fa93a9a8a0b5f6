import * as tf from '@tensorflow/tfjs-core';

/**
 * Every choice of the training step that depends on the backend lives here
 * (measured in docs/tfjs-wasm-perf.md and with `npm run bench:train`).
 */

const onWasm = (): boolean => tf.getBackend() === 'wasm';

/** What the wasm backend offers beyond the KernelBackend interface: a view of a tensor in the wasm heap. */
interface HeapViews {
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

/**
 * The values of a float32 tensor. On wasm a view of the wasm heap, no copy
 * (40-50 MB per step saved for the output layer): valid only until the next
 * tfjs call, which may grow the heap and detach it, so read it at once.
 * Elsewhere a copy (dataSync).
 */
export function readValues(t: tf.Tensor): Float32Array {
  if (onWasm()) return (tf.backend() as unknown as HeapViews).typedArrayFromHeap(t);
  return t.dataSync() as Float32Array;
}

/**
 * A tensor holding a copy of `values` as they are now. The wasm backend
 * copies them into its heap by itself; the cpu backend would keep a
 * reference to the array, so a later in-place update would show through.
 */
export function tensorOf(values: Float32Array, shape: [number, number]): tf.Tensor2D {
  return tf.tensor2d(onWasm() ? values : values.slice(), shape);
}

/**
 * Lets `write` rewrite the values of `t`, a float32 tensor the caller owns
 * and that nothing else shares, and returns the tensor holding the result.
 * On wasm `t` itself, changed in place (no copy, no new [B, I] buffer); elsewhere
 * a new tensor made from a copy, `t` disposed.
 */
export function rewriteValues<R extends tf.Rank>(
  t: tf.Tensor<R>,
  write: (values: Float32Array) => void,
): tf.Tensor<R> {
  if (onWasm()) {
    write(readValues(t));
    return t;
  }
  const values = (t.dataSync() as Float32Array).slice();
  write(values);
  const out = tf.tensor(values, t.shape) as tf.Tensor<R>;
  t.dispose();
  return out;
}

/**
 * Whether a layer should hand the step a transposed copy of its weights,
 * made by a blocked transpose in JS, for the input gradient g W^T. On wasm,
 * uploading W^T made in JS costs about 70 ms for a [600, 20,000] W against
 * about 100 ms for tf.transpose of the uploaded W, whose slow direction this
 * is (the other way round takes half as long). Native backends take W^T as a
 * matMul flag for free.
 */
export function wantsTransposedCopy(): boolean {
  return onWasm();
}

/** x W + b in one kernel: the bias rides along in the matMul (XNNPACK's on wasm) instead of another [B, units] pass. */
export function affine(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  return tf.fused.matMul({ a: x, b: w, bias: b }) as tf.Tensor2D;
}

/**
 * a^T b (`which` = 'a') or a b^T (`which` = 'b'). On the wasm backend a matMul
 * with a transpose flag runs ~10x slower than a tf.transpose followed by a
 * plain matMul (docs/tfjs-wasm-perf.md), and the transposed copy is freed at
 * once: its packed form (XNNPACK packs the right operand per tensor) goes with it.
 * Native backends handle the flags inside their BLAS call, so they get them directly.
 */
export function transposedMatMul(a: tf.Tensor2D, b: tf.Tensor2D, which: 'a' | 'b'): tf.Tensor2D {
  if (!onWasm()) return tf.matMul(a, b, which === 'a', which === 'b');
  const t: tf.Tensor2D = tf.transpose(which === 'a' ? a : b);
  const out: tf.Tensor2D = which === 'a' ? tf.matMul(t, b) : tf.matMul(a, t);
  t.dispose();
  return out;
}

/**
 * [x | 1]^T g, [inputs + 1, units]: the weight gradient x^T g of an affine
 * layer with its bias gradient colsum(g) as one more row. The bias gradient
 * thus rides along in the matMul (0.5% more work at 200 inputs) instead of a
 * column sum over g: for the output layer's [500, 20,000] g, tf.sum over
 * axis 0 takes ~50 ms on wasm and a JS pass ~25 ms. On wasm x^T is made by
 * tf.transpose (a [B, inputs] tensor: cheap), as in transposedMatMul.
 */
export function weightAndBiasGradient(x: tf.Tensor2D, g: tf.Tensor2D): tf.Tensor2D {
  const rows = x.shape[0];
  if (!onWasm()) {
    const xOnes = tf.concat([x, tf.ones([rows, 1])], 1);
    const out: tf.Tensor2D = tf.matMul(xOnes, g, true, false);
    xOnes.dispose();
    return out;
  }
  const xT = tf.transpose(x);
  const ones = tf.ones([1, rows]);
  const xTOnes = tf.concat([xT, ones], 0);
  tf.dispose([xT, ones]);
  const out: tf.Tensor2D = tf.matMul(xTOnes, g);
  xTOnes.dispose();
  return out;
}
