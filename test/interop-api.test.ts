import { cp, copyFile, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import { exportProSg, PRO_SG_FILES, readDatasetArtifact } from '@vaecf/cf';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../apps/worker/test/processes';
import { startStack, type Stack } from './support/stack';
import { checkedFetch } from './support/openapi-check';

// End to end: the paper's protocol through the built API and a worker (real processes, real Redis, real HTTP).
const NOTEBOOK = resolve(__dirname, '../libs/cf/test/data/notebook');
let stack: Stack;
const TOKEN = 'interop-token';
const suffix = Math.random().toString(36).slice(2, 8);

async function call(method: string, path: string, body?: unknown, contentType = 'application/json') {
  const r = await checkedFetch(`${stack.base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': contentType }),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

async function ready(id: string) {
  return until(`dataset ${id} to be prepared`, async () => {
    const r = await call('GET', `/datasets/${id}`);
    if (r.body.state === 'failed') throw new Error(r.body.error);
    return r.body.state === 'ready' ? r.body : null;
  });
}

const sortedRows = async (file: string) => (await readFile(file, 'utf8')).split('\n').filter(Boolean).sort();

beforeAll(async () => {
  // The exported LayersModel is read back with tfjs in this process, on its cpu backend.
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  stack = await startStack({ token: TOKEN });
  await copyFile(join(NOTEBOOK, 'ratings.csv'), join(stack.dataRoot, 'notebook.csv'));
  await cp(join(NOTEBOOK, 'expected', 'pro_sg'), join(stack.dataRoot, 'pro_sg'), { recursive: true });
});
afterAll(() => stack?.stop());

describe("the API and the paper's protocol", () => {
  it('registers with the notebook split (preset) and from pro_sg files; refuses a bad pro_sg path', async () => {
    const numpy = `nb-${suffix}`;
    expect(
      (
        await call('POST', '/datasets', {
          id: numpy,
          path: 'notebook.csv',
          format: 'movielens-csv',
          preset: 'ml-20m',
          heldoutUsers: 8,
        })
      ).status,
    ).toBe(201);
    const vaecf = `own-${suffix}`;
    const ownBody = {
      id: vaecf,
      path: 'notebook.csv',
      format: 'movielens-csv',
      preset: 'ml-20m',
      heldoutUsers: 8,
      split: 'vaecf',
    };
    expect((await call('POST', '/datasets', ownBody)).status).toBe(201);
    const imported = `pro-${suffix}`;
    expect((await call('POST', '/datasets', { id: imported, path: 'pro_sg', format: 'pro_sg' })).status).toBe(
      201,
    );
    for (const id of [numpy, vaecf, imported])
      expect((await ready(id)).stats.users).toEqual({ train: 20, validation: 8, test: 8 });
    // The prepared artifact holds the notebook's split: exported, it is the notebook's pro_sg files.
    const out = join(stack.root, 'exported');
    await exportProSg(await readDatasetArtifact(join(stack.root, 'artifacts', 'datasets', numpy)), out);
    for (const f of ['unique_sid.txt', ...Object.values(PRO_SG_FILES)])
      expect(await sortedRows(join(out, f)), f).toEqual(
        await sortedRows(join(NOTEBOOK, 'expected', 'pro_sg', f)),
      );
    const own = await readDatasetArtifact(join(stack.root, 'artifacts', 'datasets', vaecf));
    expect(own.test.userIds).not.toEqual(
      (await readDatasetArtifact(join(stack.root, 'artifacts', 'datasets', numpy))).test.userIds,
    );

    const bad: [Record<string, unknown>, string][] = [
      [{ id: 'x1', path: 'notebook.csv', format: 'pro_sg' }, 'path: "notebook.csv" is not a directory'],
      [{ id: 'x2', path: '.', format: 'pro_sg' }, 'path: "." has no unique_sid.txt'],
      [{ id: 'x3', path: 'notebook.csv', format: 'movielens-csv', split: 'scipy' }, 'split: Invalid option'],
    ];
    for (const [body, message] of bad) {
      const r = await call('POST', '/datasets', body);
      expect(r.status, message).toBe(400);
      expect(r.body.message).toContain(message);
    }
  });

  it("serves the sweep's model as npz and tfjs, the tfjs model scoring as the recommendations route", async () => {
    const dataset = `nb-${suffix}`;
    const spec = `
dataset: ${dataset}
model: vae
fixed: { dims: [8, 4], batchSize: 10, epochs: 2, totalAnnealSteps: 20 }
space:
  lr: { type: choice, values: [0.001] }
scheduler: { type: none }
`;
    const submitted = await call('POST', '/sweeps', spec, 'application/yaml');
    expect(submitted.status).toBe(201);
    const id = submitted.body.id as string;
    await until(
      'the sweep to complete',
      async () => (await call('GET', `/sweeps/${id}`)).body.state === 'completed',
    );

    const download = (format: string) =>
      checkedFetch(`${stack.base}/sweeps/${id}/model?format=${format}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
    const npz = await download('npz');
    expect(npz.status).toBe(200);
    expect(npz.headers.get('content-disposition')).toBe(`attachment; filename="${id}-model.npz"`);
    expect(Object.keys(unzipSync(new Uint8Array(await npz.arrayBuffer())))).toContain(
      'encoder_mu_kernel.npy',
    );

    const zip = await download('tfjs');
    expect(zip.status).toBe(200);
    expect(zip.headers.get('content-type')).toBe('application/zip');
    const files = unzipSync(new Uint8Array(await zip.arrayBuffer()));
    const modelJson = JSON.parse(Buffer.from(files['model.json']).toString()) as tf.io.ModelJSON;
    const itemIds = JSON.parse(Buffer.from(files['items.json']).toString()) as string[];
    const model = await loadLayersModel({
      load: () =>
        tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
          const w = files[manifest[0].paths[0]];
          return [
            manifest[0].weights,
            w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength) as ArrayBuffer,
          ];
        }),
    });
    const history = itemIds.slice(0, 3);
    const x = new Float32Array(itemIds.length);
    for (const item of history) x[itemIds.indexOf(item)] = 1 / Math.sqrt(history.length);
    const y = model.predict(tf.tensor2d(x, [1, x.length])) as tf.Tensor;
    const logits = await y.data();
    model.dispose();
    const rec = await call('POST', `/sweeps/${id}/recommendations`, { items: history, k: 10 });
    expect(rec.status).toBe(200);
    for (const r of rec.body.items as { item: string; score: number }[])
      expect(Math.abs(logits[itemIds.indexOf(r.item)] - r.score)).toBeLessThan(1e-5);

    const bad = await call('GET', `/sweeps/${id}/model?format=onnx`);
    expect(bad).toMatchObject({
      status: 400,
      body: { message: 'invalid format: must be one of tfjs, npz (got "onnx")' },
    });
    // Without a format: the checkpoint archive, as before.
    const archive = await checkedFetch(`${stack.base}/sweeps/${id}/model`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(archive.headers.get('content-type')).toBe('application/gzip');
    expect((await call('DELETE', `/sweeps/${id}`)).status).toBe(204);
  });
});
