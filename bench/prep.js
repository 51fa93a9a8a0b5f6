// @ts-check
// Preparation of an ML-20M-sized ratings.csv (20,000,000 rows by default): wall seconds and peak RSS.
// Usage: npm run bench:prep [-- --rows 20000000] [--split numpy|vaecf]  (numpy: the preset's default)
const { execFileSync } = require('node:child_process');
const { existsSync, mkdirSync, statSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { parseArgs } = require('node:util');
const cf = require('@vaecf/cf');

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '20000000' },
    split: { type: 'string', default: 'numpy' },
    child: { type: 'string' },
  },
});

// ML-20M: 138,493 users, 26,744 movies, 20,000,263 ratings (about 144 per user).
const MEAN_PER_USER = 144.4;

async function child(path) {
  const t0 = performance.now();
  const rows = Number(args.rows);
  // The ml-20m preset holds out 10,000 + 10,000 users; smaller runs hold out a tenth of theirs.
  const heldoutUsers = Math.min(10_000, Math.floor(rows / MEAN_PER_USER / 10));
  const split = /** @type {'numpy' | 'vaecf'} */ (args.split);
  const d = await cf.prepareDataset(path, { format: 'movielens-csv', preset: 'ml-20m', heldoutUsers, split });
  const tRead = performance.now();
  await cf.writeDatasetArtifact(`${path}.prepared`, d);
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(
    JSON.stringify({
      seconds,
      prepareSeconds: (tRead - t0) / 1000,
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      stats: d.meta.stats,
    }),
  );
}

async function main() {
  const rows = Number(args.rows);
  const dir = join(__dirname, 'data');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `ratings-${rows}.csv`);
  const users = Math.round(rows / MEAN_PER_USER);
  let generateSeconds = null;
  if (!existsSync(path)) {
    const t0 = performance.now();
    // Generated once and kept (bench/data is not committed).
    const r = await cf.generateSyntheticRatings(path, {
      users,
      items: 26_744,
      tastes: 200,
      meanItemsPerUser: MEAN_PER_USER,
      seed: 20,
    });
    generateSeconds = Number(((performance.now() - t0) / 1000).toFixed(1));
    console.log(
      `generated ${r.rows} rows (${(statSync(path).size / 1e6).toFixed(0)} MB) in ${generateSeconds} s`,
    );
  }
  // A fresh process, so peak RSS is the preparation's own.
  const out = JSON.parse(
    execFileSync(
      process.execPath,
      [__filename, '--child', path, '--rows', String(rows), '--split', args.split],
      {
        encoding: 'utf8',
        maxBuffer: 1 << 24,
      },
    ),
  );
  const result = {
    bench: 'prep',
    date: new Date().toISOString(),
    node: process.version,
    rows: out.stats.rawEvents,
    split: args.split,
    file: { rows: out.stats.rawEvents, megabytes: Math.round(statSync(path).size / 1e6), generateSeconds },
    seconds: Number(out.seconds.toFixed(1)),
    prepareSeconds: Number(out.prepareSeconds.toFixed(1)),
    peakRssMB: out.peakRssMB,
    rowsPerSecond: Math.round(out.stats.rawEvents / out.prepareSeconds),
    users: out.stats.users,
    items: out.stats.items,
    events: out.stats.events,
    binarized: out.stats.binarized,
  };
  console.table({
    'rows read': result.rows,
    'file MB': result.file.megabytes,
    'wall s (prepare + write artifact)': result.seconds,
    'prepare s': result.prepareSeconds,
    'rows / s': result.rowsPerSecond,
    'peak RSS MB': result.peakRssMB,
    'events after binarize': result.binarized,
    'users train / val / test': `${result.users.train} / ${result.users.validation} / ${result.users.test}`,
    items: result.items,
    'events in splits': result.events,
  });
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(join(__dirname, 'results', 'prep.json'), JSON.stringify(result, null, 2) + '\n');
}

(args.child ? child(args.child) : main()).catch((e) => {
  console.error(e);
  process.exit(1);
});
