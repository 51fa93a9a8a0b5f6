import { execFile } from 'node:child_process';

/** What a GPU has, as its driver reports it. */
export interface DeviceMemory {
  readonly name: string;
  readonly totalBytes: number;
  readonly freeBytes: number;
}

const MIB = 2 ** 20;

/**
 * The memory of NVIDIA GPU `index` from `nvidia-smi` (the driver's own
 * tool: WebGPU and ONNX Runtime's Node binding report no device memory), or
 * undefined where there is no such tool or GPU (another vendor, a software
 * adapter): the caller then proceeds without the check. Never throws.
 */
export function nvidiaMemory(index: number, command = 'nvidia-smi'): Promise<DeviceMemory | undefined> {
  const args = [
    '--query-gpu=name,memory.total,memory.used',
    '--format=csv,noheader,nounits',
    '-i',
    String(index),
  ];
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 10_000 }, (err, stdout) => {
      resolve(err ? undefined : parseNvidiaMemory(String(stdout)));
    });
  });
}

/** "NVIDIA H200, 143771, 512" (MiB) -> name, total and free bytes; undefined for anything else. */
export function parseNvidiaMemory(line: string): DeviceMemory | undefined {
  const m = /^\s*(.+?),\s*(\d+),\s*(\d+)\s*$/.exec(line.trim().split('\n')[0] ?? '');
  if (!m) return undefined;
  const total = Number(m[2]) * MIB;
  const used = Number(m[3]) * MIB;
  return { name: m[1], totalBytes: total, freeBytes: Math.max(0, total - used) };
}
