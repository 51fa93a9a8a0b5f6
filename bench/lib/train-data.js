// @ts-check
// Synthetic training data for the training benchmarks: users with log-normal activity (mean about
// `meanItems`, as ML-20M after binarizing) over Zipf-popular items, and held-out users split 80/20.
const cf = require('@vaecf/cf');

/** @returns {number[][]} */
function syntheticRows(seed, users, items, meanItems) {
  const rng = cf.Rng.fromSeed(seed);
  const cdf = new Float64Array(items);
  let acc = 0;
  for (let i = 0; i < items; i++) cdf[i] = acc += 1 / Math.pow(i + 1, 0.8);
  const rows = [];
  const sigma = 1;
  const mu = Math.log(meanItems) - (sigma * sigma) / 2;
  for (let u = 0; u < users; u++) {
    const n = Math.max(5, Math.min(items / 2, Math.round(Math.exp(mu + sigma * rng.normal()))));
    const set = new Set();
    while (set.size < n) {
      const x = rng.float() * acc;
      let lo = 0;
      let hi = items - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cdf[mid] < x) lo = mid + 1;
        else hi = mid;
      }
      set.add(lo);
    }
    rows.push([...set]);
  }
  return rows;
}

/** A prepared-dataset-shaped object: `users` training users, `validationUsers` held out (also the test split). */
function syntheticDataset({ items, users, validationUsers, meanItems }) {
  const train = cf.csrFromRows(items, syntheticRows(1, users, items, meanItems));
  const rows = syntheticRows(2, validationUsers, items, meanItems);
  const foldIn = rows.map((r) => r.slice(0, Math.ceil(r.length * 0.8)));
  const heldOut = rows.map((r) => r.slice(Math.ceil(r.length * 0.8)));
  const split = {
    foldIn: cf.csrFromRows(items, foldIn),
    heldOut: cf.csrFromRows(items, heldOut),
    userIds: [],
  };
  return {
    nItems: items,
    train,
    trainUserIds: [],
    validation: split,
    test: split,
    itemIds: [],
    meta: { formatVersion: 1, createdAt: '' },
  };
}

function median(xs) {
  return [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
}

module.exports = { syntheticDataset, median };
