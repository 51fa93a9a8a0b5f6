// Micro-benchmarks of the tfjs wasm backend for the ops Mult-VAE training uses.
// Usage, from the repository root:
//   npm run bench:probe -- [items]   (or node bench/probes/wasm-ops.js [items])
const fromCwd = (m) => require(require.resolve(m, { paths: [process.cwd()] }));
const tf = fromCwd('@tensorflow/tfjs-core');
fromCwd('@tensorflow/tfjs-backend-wasm');

function time(name, f, flops) {
  const run = () => {
    const r = f();
    if (r) {
      r.dataSync();
      r.dispose();
    }
  };
  run();
  run();
  const n = 5,
    t0 = performance.now();
  for (let i = 0; i < n; i++) run();
  const ms = (performance.now() - t0) / n;
  console.log(
    name.padEnd(46),
    ms.toFixed(1).padStart(8),
    'ms',
    flops ? `${(flops / ms / 1e6).toFixed(1)} GFLOP/s` : '',
  );
}

(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
  const B = 500,
    H = 600,
    I = +process.argv[2] || 5000,
    per = 30,
    nnz = B * per;
  const h = tf.randomNormal([B, H]),
    W = tf.randomNormal([H, I]),
    d = tf.randomNormal([B, I]),
    Wt = tf.randomNormal([I, H]);
  const mm = 2 * B * H * I;
  time('matMul h[B,H] @ W[H,I]', () => tf.matMul(h, W), mm);
  time('matMul h @ Wt[I,H]^T (transposeB flag)', () => tf.matMul(h, Wt, false, true), mm);
  time('matMul h^T @ d (transposeA flag)', () => tf.matMul(h, d, true, false), mm);
  time('tf.transpose(h) then plain matMul', () => tf.tidy(() => tf.matMul(tf.transpose(h), d)), mm);
  time('logSoftmax [B,I]', () => tf.logSoftmax(d));
  time('grad of sum(logSoftmax(l) * x)', () => tf.grad((l) => tf.sum(tf.mul(tf.logSoftmax(l), d)))(d));
  time('grad of tanh [B,H]', () => tf.grad((a) => tf.sum(tf.tanh(a)))(h));

  const WtData = Wt.dataSync();
  const items = Int32Array.from({ length: nnz }, () => Math.floor(Math.random() * I));
  time(`tf.gather ${nnz} rows of [I,H]`, () => tf.tidy(() => tf.gather(Wt, tf.tensor1d(items, 'int32'))));
  time('JS loop: h1[b] += W1[item]', () => {
    const out = new Float32Array(B * H);
    for (let k = 0; k < nnz; k++) {
      const o = ((k / per) | 0) * H,
        w = items[k] * H;
      for (let j = 0; j < H; j++) out[o + j] += WtData[w + j];
    }
    return tf.tensor2d(out, [B, H]);
  });
  time('JS loop: dW1[item] += dh[b] (dense [I,H])', () => {
    const g = new Float32Array(I * H);
    for (let k = 0; k < nnz; k++) {
      const o = ((k / per) | 0) * H,
        w = items[k] * H;
      for (let j = 0; j < H; j++) g[w + j] += WtData[o + j];
    }
    return tf.tensor2d(g, [I, H]);
  });
  time('dense 0/1 X [B,I] built in JS, @ W1', () =>
    tf.tidy(() => {
      const x = new Float32Array(B * I);
      for (let k = 0; k < nnz; k++) x[((k / per) | 0) * I + items[k]] = 1;
      return tf.matMul(tf.tensor2d(x, [B, I]), Wt);
    }),
  );
  const v = tf.variable(tf.randomNormal([I, H])),
    g = tf.randomNormal([I, H]),
    opt = tf.train.adam(1e-3);
  time('adam.applyGradients on [I,H]', () => {
    opt.applyGradients({ [v.name]: g });
    return null;
  });
  try {
    tf.unsortedSegmentSum(tf.ones([2, 2]), tf.tensor1d([0, 1], 'int32'), 2).dispose();
    console.log('UnsortedSegmentSum: available');
  } catch (e) {
    console.log('UnsortedSegmentSum:', e.message);
  }
})();
