// @ts-check
// One trial's training with no queue, store or checkpoint: bench:sweep runs it alone and then two
// at once, to measure what two trainings side by side cost each other on this machine (shared
// caches, memory bandwidth, clocks): the ceiling of two workers' speed-up, whatever vaecf does.
// Usage: node bench/lib/train-alone.js <prepared dataset dir> <epochs>. Prints one JSON line.
const cf = require('@vaecf/cf');
const { loadEngine } = require('@vaecf/engine');

async function main() {
  const [dir, epochs] = process.argv.slice(2);
  const data = await cf.readDatasetArtifact(dir);
  const { engine } = await loadEngine({ engine: process.env.VAECF_ENGINE ?? 'auto', threads: 1 });
  const config = cf.resolveTrialConfig({
    model: 'vae',
    dims: [200, 50],
    batchSize: 100,
    epochs: Number(epochs),
    totalAnnealSteps: 100,
    lr: 1e-3,
    keepProb: 0.5,
  });
  const t0 = performance.now();
  const trainer = await cf.Trainer.create(data, config, engine);
  let train = 0;
  while (!trainer.finished) train += (await trainer.runEpoch()).trainSeconds;
  await trainer.dispose();
  console.log(JSON.stringify({ trainSeconds: train, wallSeconds: (performance.now() - t0) / 1000 }));
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
