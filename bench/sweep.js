// @ts-check
// Sweep throughput with 1 and 2 worker processes, ASHA against no early stopping, the filesystem
// artifact store against S3 (an s3rver started here on loopback), checkpoint I/O per epoch, and
// queue overhead, the CPU the worker processes use, and the same sweeps with the trial processes run without
// node flags (WORKER_CHILD_NODE_FLAGS empty). Needs a Redis (REDIS_URL, default redis://127.0.0.1:6379). Usage: npm run bench:sweep
const { spawn } = require('node:child_process');
const { randomUUID } = require('node:crypto');
const { mkdirSync, mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { loadavg, tmpdir } = require('node:os');
const { join } = require('node:path');
const { artifactStoreFromEnv, FilesystemArtifactStore } = require('@vaecf/artifacts');
const S3rver = require('s3rver');
const cf = require('@vaecf/cf');
const { SweepController, submitSweep } = require('@vaecf/orchestration');
const { RedisSweepStore } = require('@vaecf/store');
const { parseSweepSpec } = require('@vaecf/sweep');
const { ashaShareRange } = require('./lib/asha-replay');
const { treeCpuSeconds } = require('./lib/process-cpu');
const { Queue } = require('bullmq');
const { Redis } = require('ioredis');

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** ASHA's reduction factor: with 9 epochs, eta 4 puts rungs at epochs 1 and 4. */
const ETA = Number(process.env.BENCH_ASHA_ETA ?? 4);
const WORKER = join(__dirname, '../apps/worker/dist/main.js');
const BUNDLED = join(__dirname, '../examples/data/synthetic-ml.csv.gz');
const root = mkdtempSync(join(tmpdir(), 'vaecf-bench-sweep-'));
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
const store = new RedisSweepStore(redis);

/** A fixed random search: 18 configurations of lr and dropout, 9 epochs each. */
function spec(scheduler) {
  return {
    dataset: 'bundled',
    model: 'vae',
    fixed: { dims: [200, 50], batchSize: 100, epochs: 9, totalAnnealSteps: 100 },
    space: {
      lr: { type: 'loguniform', low: 1e-4, high: 1e-2 },
      keepProb: { type: 'uniform', low: 0.2, high: 0.9 },
    },
    search: { method: 'random', trials: 18, seed: 7 },
    scheduler,
    limits: { maxConcurrent: 2 },
  };
}

/** The environment of a bench worker process: its own queue, any free metrics port. */
function workerEnv(queueName, extra = {}) {
  return {
    ...process.env,
    REDIS_URL,
    VAECF_ARTIFACTS_DIR: root,
    VAECF_TRIALS_QUEUE: queueName,
    WORKER_METRICS_PORT: '0',
    ...extra,
  };
}

/** An S3-protocol server on loopback (s3rver, objects on local disk), and the environment that points vaecf at it. */
async function startS3() {
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory: join(root, 's3'),
    silent: true,
    configureBuckets: [{ name: 'vaecf' }],
  });
  const { port } = await server.run();
  const env = {
    VAECF_ARTIFACTS: 's3://vaecf/bench',
    AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
  };
  return { env, stop: () => server.close() };
}

/**
 * One sweep on `workers` fresh worker processes. With `s3`, the artifacts are in the bucket and
 * each worker has a cache of its own (as on separate hosts).
 */
async function runSweep(workers, scheduler, s3, extraEnv = {}) {
  const queueName = `bench-${randomUUID()}`;
  const queue = new Queue(queueName, { connection: redis });
  const controller = new SweepController(redis, store, queue);
  const env = workerEnv(queueName, { ...(s3 ?? {}), ...extraEnv });
  const procs = Array.from({ length: workers }, (_, k) =>
    spawn(process.execPath, [WORKER], {
      env: { ...env, WORKER_ID: `w${k}`, VAECF_CACHE_DIR: join(root, `cache-${queueName}-w${k}`) },
      stdio: 'ignore',
    }),
  );
  await new Promise((r) => setTimeout(r, 1500)); // let them load their backend
  const cpuBefore = procs.map((p) => treeCpuSeconds(p.pid));
  const t0 = Date.now();
  const { id } = await submitSweep(parseSweepSpec(spec(scheduler)), {
    store,
    controller,
    checkDataset: async () => undefined,
  });
  let ended;
  for (;;) {
    const s = await store.getSweep(id);
    if (s && ['completed', 'failed', 'cancelled'].includes(s.state)) {
      ended = s.updatedAt; // the finalize job's own clock, not this loop's next poll
      break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const cpuSeconds = procs.reduce(
    (sum, p, k) => sum + (treeCpuSeconds(p.pid) ?? NaN) - (cpuBefore[k] ?? NaN),
    0,
  );
  const seconds = (ended - t0) / 1000;
  const trials = await store.listTrials(id);
  // The trials' part of the sweep (submit to the last trial's end) and the finalize after it (test
  // evaluation and the baselines, on one worker however many there are).
  const trialsSeconds = (Math.max(...trials.map((t) => t.endedAt ?? 0)) - t0) / 1000;
  const [best] = await store.leaderboard(id, 1);
  const jobs = await Promise.all(trials.map((t) => queue.getJob(`${id}-${t.no}`)));
  // Each epoch record carries the seconds its worker spent saving and committing the checkpoint
  // (beside the next epoch's training) and how long the epoch's report waited for the one before.
  const ckpt = (await Promise.all(trials.map((t) => store.history(id, t.no)))).flat();
  const checkpointSeconds = ckpt.reduce((sum, r) => sum + (r.checkpointSeconds ?? 0), 0);
  const checkpointWaitSeconds = ckpt.reduce((sum, r) => sum + (r.checkpointWaitSeconds ?? 0), 0);
  const life = trialLife(trials, ckpt, seconds, workers, jobs);
  // Each trial's validation NDCG@100 per epoch (the objective), in trial order: ASHA's replay reads them.
  const curves = await Promise.all(
    trials.map(async (t) => (await store.history(id, t.no)).map((r) => r.validation.ndcg100)),
  );
  for (const p of procs) p.kill('SIGTERM');
  await Promise.all(procs.map((p) => new Promise((r) => p.once('exit', r))));
  await queue.obliterate({ force: true });
  await queue.close();
  await store.deleteSweep(id);
  return {
    workers,
    artifacts: s3 ? 's3 (s3rver, loopback)' : 'filesystem',
    ...(extraEnv.WORKER_CHILD_NODE_FLAGS !== undefined
      ? { childNodeFlags: extraEnv.WORKER_CHILD_NODE_FLAGS || '(none)' }
      : {}),
    scheduler: scheduler.type,
    trials: trials.length,
    pruned: trials.filter((t) => t.state === 'pruned').length,
    epochs: trials.reduce((s, t) => s + t.epochs, 0),
    seconds,
    trialsSeconds,
    finalizeSeconds: Number((seconds - trialsSeconds).toFixed(3)),
    // CPU of the worker processes and their trial processes (Linux /proc; null elsewhere), and the
    // cores that makes per worker while the sweep ran: above 1, one trial's process keeps more than
    // one core busy, and a second worker on the same cores has less than a core of its own.
    cpuSeconds: Number.isFinite(cpuSeconds) ? Number(cpuSeconds.toFixed(2)) : null,
    coresPerWorker: Number.isFinite(cpuSeconds) ? Number((cpuSeconds / seconds / workers).toFixed(3)) : null,
    trialsPerHour: Math.round((trials.length / seconds) * 3600),
    checkpointSecondsPerEpoch: Number((checkpointSeconds / ckpt.length).toFixed(4)),
    checkpointWaitSecondsPerEpoch: Number((checkpointWaitSeconds / ckpt.length).toFixed(4)),
    life,
    bestNdcg100: best?.best,
    jobs,
    curves,
  };
}

/**
 * Where a sweep's worker time went, as shares of (workers x wall seconds): training and validation
 * (the epochs' own clocks), waiting for checkpoints (each is written beside the next epoch's
 * training; the wait is what is left of it, the last epoch's falling in the rest), the rest of
 * each trial's life in its process (claim to first epoch, Redis writes, scheduling), and no trial
 * at all (queue hand-offs, the tail). checkpointInBackground: the writes' own seconds, overlapped.
 */
function trialLife(trials, epochs, seconds, workers, jobs) {
  const sum = (xs) => xs.reduce((a, b) => a + b, 0);
  const inTrials = sum(trials.map((t) => ((t.endedAt ?? 0) - (t.startedAt ?? 0)) / 1000));
  const train = sum(epochs.map((r) => r.trainSeconds ?? 0));
  const evaluate = sum(epochs.map((r) => r.evalSeconds ?? 0));
  const checkpoint = sum(epochs.map((r) => r.checkpointWaitSeconds ?? r.checkpointSeconds ?? 0));
  const background = sum(epochs.map((r) => r.checkpointSeconds ?? 0));
  const total = workers * seconds;
  const share = (x) => Number((x / total).toFixed(3));
  return {
    train: share(train),
    validate: share(evaluate),
    checkpointWait: share(checkpoint),
    checkpointInBackground: share(background),
    restOfTrial: share(inTrials - train - evaluate - checkpoint),
    noTrial: share(total - inTrials),
    perTrialOverheadSeconds: Number(((inTrials - train - evaluate - checkpoint) / trials.length).toFixed(3)),
    // Mean milliseconds per trial: the job's wait in the queue, its claim until the trial's start
    // (child hand-off, dataset, trainer), and its end until BullMQ recorded the job finished.
    meanMs: {
      queued: meanMs(jobs.map((j) => j && j.processedOn - j.timestamp)),
      claimToStart: meanMs(trials.map((t, k) => jobs[k] && t.startedAt - jobs[k].processedOn)),
      endToJobFinished: meanMs(trials.map((t, k) => jobs[k] && jobs[k].finishedOn - t.endedAt)),
    },
  };
}

function meanMs(xs) {
  const ok = xs.filter((x) => Number.isFinite(x));
  return ok.length ? Math.round(ok.reduce((a, b) => a + b, 0) / ok.length) : null;
}

/** Queue overhead: add a job while a worker is idle, and read when the worker took it (BullMQ's processedOn). */
async function queueOverhead(n) {
  const queueName = `bench-${randomUUID()}`;
  const queue = new Queue(queueName, { connection: redis });
  const controller = new SweepController(redis, store, queue);
  const env = workerEnv(queueName, { WORKER_ID: 'idle' });
  const proc = spawn(process.execPath, [WORKER], { env, stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 1500));
  const delays = [];
  for (let k = 0; k < n; k++) {
    const one = {
      ...spec({ type: 'none' }),
      space: {},
      fixed: { dims: [8], batchSize: 500, epochs: 1 },
      search: { method: 'grid' },
    };
    const { id } = await submitSweep(parseSweepSpec(one), {
      store,
      controller,
      checkDataset: async () => undefined,
    });
    let job;
    for (;;) {
      job = await queue.getJob(`${id}-0`);
      if (job?.processedOn) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    delays.push(job.processedOn - job.timestamp);
    for (;;) {
      const s = await store.getSweep(id);
      if (s?.state === 'completed') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await store.deleteSweep(id);
    await new Promise((r) => setTimeout(r, 100)); // the worker is idle again
  }
  proc.kill('SIGTERM');
  await new Promise((r) => proc.once('exit', r));
  await queue.obliterate({ force: true });
  await queue.close();
  delays.sort((a, b) => a - b);
  return { samples: n, medianMs: delays[Math.floor(n / 2)], maxMs: delays[n - 1] };
}

/**
 * Two trainings at once against one alone, with no queue, store or checkpoint around them (the
 * bench's trial, 9 epochs, one engine thread each): the speed-up two workers could reach at most
 * on this machine. speedup = 2 x alone / (slower of the pair), on training seconds.
 */
async function twoTrainingsCeiling(datasetDir) {
  const script = join(__dirname, 'lib', 'train-alone.js');
  const once = () =>
    new Promise((resolve, reject) => {
      const p = spawn(process.execPath, [script, datasetDir, '9'], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      p.once('exit', (code) =>
        code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`train-alone exited ${code}`)),
      );
    });
  await once(); // warms the page cache and the engine's files
  const alone = await once();
  const pair = await Promise.all([once(), once()]);
  const slower = Math.max(...pair.map((r) => r.trainSeconds));
  const round = (x) => Number(x.toFixed(3));
  return {
    aloneTrainSeconds: round(alone.trainSeconds),
    pairTrainSeconds: pair.map((r) => round(r.trainSeconds)),
    speedup: round((2 * alone.trainSeconds) / slower),
  };
}

async function main() {
  // Other work on the machine slows every run alike; recorded so that the figures can be read.
  const loadAtStart = loadavg()[0];
  const artifacts = new FilesystemArtifactStore(root);
  await cf.writeDatasetArtifact(
    artifacts.datasetDir('bundled'),
    await cf.prepareDataset(BUNDLED, { format: 'movielens-csv', heldoutUsers: 200 }),
  );
  const s3 = await startS3();
  const bucket = artifactStoreFromEnv({ ...s3.env, VAECF_CACHE_DIR: join(root, 'cache-bench') });
  await bucket.publishDataset('bundled', artifacts.datasetDir('bundled'));
  const strip = ({ jobs: _jobs, curves: _curves, ...r }) => r;
  const ceiling = await twoTrainingsCeiling(artifacts.datasetDir('bundled'));
  console.log('two trainings side by side, no vaecf around them:', ceiling);
  // The trial processes without node flags (WORKER_CHILD_NODE_FLAGS empty: V8's default heap
  // sizes), as before the flag: what the default flag is worth, measured in this same run.
  const bare = { WORKER_CHILD_NODE_FLAGS: '' };
  const oneNoFlags = strip(await runSweep(1, { type: 'none' }, undefined, bare));
  console.log('1 worker, no early stopping, trial processes without node flags:', oneNoFlags);
  const twoNoFlags = strip(await runSweep(2, { type: 'none' }, undefined, bare));
  console.log('2 workers, no early stopping, trial processes without node flags:', twoNoFlags);
  const one = strip(await runSweep(1, { type: 'none' }));
  console.log('1 worker, no early stopping:', one);
  const twoFull = await runSweep(2, { type: 'none' });
  const two = strip(twoFull);
  console.log('2 workers, no early stopping:', two);
  const twoS3 = strip(await runSweep(2, { type: 'none' }, s3.env));
  console.log('2 workers, no early stopping, artifacts in S3:', twoS3);
  await s3.stop();
  const asha = strip(await runSweep(2, { type: 'asha', gracePeriod: 1, reductionFactor: ETA }));
  console.log(`2 workers, ASHA (grace 1, eta ${ETA}):`, asha);
  const overhead = await queueOverhead(15);
  console.log('queue overhead (job added -> taken by an idle worker):', overhead);
  const result = {
    bench: 'sweep',
    date: new Date().toISOString(),
    node: process.version,
    loadAverage1m: { start: Number(loadAtStart.toFixed(2)), end: Number(loadavg()[0].toFixed(2)) },
    search: '18 random (lr, keepProb), 9 epochs, Mult-VAE 200-50, batch 100, bundled synthetic data',
    runs: [one, two, twoS3, asha, oneNoFlags, twoNoFlags],
    speedup2Workers: Number((one.seconds / two.seconds).toFixed(2)),
    // The same ratio on the trials' part alone: the finalize (baselines, test evaluation) runs on
    // one worker either way, and did not exist in this bench before the baselines came.
    speedup2WorkersTrials: Number((one.trialsSeconds / two.trialsSeconds).toFixed(2)),
    withoutChildNodeFlags: {
      speedup2Workers: Number((oneNoFlags.seconds / twoNoFlags.seconds).toFixed(2)),
      twoWorkersSecondsRatio: Number((twoNoFlags.seconds / two.seconds).toFixed(2)),
      cpuSecondsRatio2Workers: Number((twoNoFlags.cpuSeconds / two.cpuSeconds).toFixed(2)),
    },
    artifacts: {
      note: '2 workers, no early stopping; S3 = s3rver in the bench process on loopback, each worker its own cache',
      trialsPerHour: { filesystem: two.trialsPerHour, s3: twoS3.trialsPerHour },
      checkpointSecondsPerEpoch: {
        filesystem: two.checkpointSecondsPerEpoch,
        s3: twoS3.checkpointSecondsPerEpoch,
      },
    },
    twoTrainingsCeiling: ceiling,
    asha: {
      epochsShare: Number((asha.epochs / two.epochs).toFixed(3)),
      bestVsFull: Number((asha.bestNdcg100 / two.bestNdcg100).toFixed(4)),
      // The same rule replayed on the full run's curves: the shares that arrival order alone gives.
      replay: {
        workers1: ashaShareRange(twoFull.curves, { workers: 1, gracePeriod: 1, eta: ETA }),
        workers2: ashaShareRange(twoFull.curves, { workers: 2, gracePeriod: 1, eta: ETA }),
      },
    },
    queueOverhead: overhead,
  };
  console.log(
    `artifacts, 2 workers: ${two.trialsPerHour} trials/h and ${two.checkpointSecondsPerEpoch} s/epoch of checkpoint I/O on the filesystem, ${twoS3.trialsPerHour} trials/h and ${twoS3.checkpointSecondsPerEpoch} s/epoch on S3`,
  );
  const r2 = result.asha.replay.workers2;
  console.log(
    `ASHA replayed on the full run's curves, 2 workers, ${r2.draws} epoch-duration draws: ${r2.min}-${r2.max} of the epochs (median ${r2.median}, 5-95% ${r2.p05}-${r2.p95})`,
  );
  console.log(
    `speed-up with 2 workers: ${result.speedup2Workers}x, ${result.speedup2WorkersTrials}x on the trials alone (two bare trainings side by side: ${ceiling.speedup}x; finalize ${one.finalizeSeconds} s and ${two.finalizeSeconds} s; cores per worker ${one.coresPerWorker} alone, ${two.coresPerWorker} with two); ASHA spent ${(100 * result.asha.epochsShare).toFixed(0)}% of the epochs, best ${result.asha.bestVsFull} of the full run's`,
  );
  const nf = result.withoutChildNodeFlags;
  console.log(
    `trial processes without node flags: 2 workers ${nf.speedup2Workers}x one; the 2-worker sweep takes ${nf.twoWorkersSecondsRatio}x as long and ${nf.cpuSecondsRatio2Workers}x the CPU as with the default flags`,
  );
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(join(__dirname, 'results', 'sweep.json'), JSON.stringify(result, null, 2) + '\n');
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(async () => {
    await redis.quit();
    rmSync(root, { recursive: true, force: true });
  });
