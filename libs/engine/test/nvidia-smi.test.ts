import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEngine, nvidiaMemory, parseNvidiaMemory } from '../src';

describe('GPU memory from nvidia-smi', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vaecf-smi-'));
    // A stand-in for the driver's tool (this machine has no GPU): it answers as nvidia-smi does, for -i 0 only.
    await writeFile(
      join(dir, 'nvidia-smi'),
      '#!/bin/sh\n[ "$4" = 0 ] || { echo "No devices were found" >&2; exit 6; }\necho "NVIDIA H200, 143771, 1771"\n',
    );
    await chmod(join(dir, 'nvidia-smi'), 0o755);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('parses name, total and used MiB into bytes', () => {
    expect(parseNvidiaMemory('NVIDIA H200, 143771, 1771\n')).toEqual({
      name: 'NVIDIA H200',
      totalBytes: 143771 * 2 ** 20,
      freeBytes: 142000 * 2 ** 20,
    });
    for (const bad of ['', 'No devices were found', 'NVIDIA H200, [N/A], 3', 'a, 1'])
      expect(parseNvidiaMemory(bad), bad).toBeUndefined();
  });

  it('asks the tool for one device, and is undefined where the tool or the device is missing', async () => {
    expect(await nvidiaMemory(0, join(dir, 'nvidia-smi'))).toMatchObject({ name: 'NVIDIA H200' });
    expect(await nvidiaMemory(1, join(dir, 'nvidia-smi'))).toBeUndefined();
    expect(await nvidiaMemory(0, join(dir, 'no-such-tool'))).toBeUndefined();
  });

  it('the CPU engine reports no device memory, whatever the machine has', async () => {
    const { engine } = await loadEngine({ engine: 'onnxruntime', threads: 1 });
    expect(await engine.deviceMemory()).toBeUndefined();
  });
});
