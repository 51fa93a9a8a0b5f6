import type * as Ort from 'onnxruntime-node';
import type { ValueSpec } from '../bind-shapes';
import type { DeviceState, HostTensor } from '../engine';

/** Copies a tensor that lives on the device back to the host. */
export type Download = (t: Ort.Tensor) => Promise<Float32Array>;

/**
 * ONNX Runtime tensors kept between runs. Written values start as host
 * tensors (the next run uploads them); values a program updates are the
 * tensors that run produced, which on the WebGPU provider stay GPU buffers
 * ('gpu-buffer' outputs fed back as inputs: no copy either way). A replaced
 * tensor is disposed at once, so device memory holds one copy of each value.
 * A device tensor belongs to the session that made it: before that session
 * is released, `rescue` copies its tensors to the host, so a value outlives
 * the program that computed it, as on every engine.
 */
export class OrtState implements DeviceState {
  private readonly values = new Map<string, Ort.Tensor>();
  /** The program whose session made each device tensor. */
  private readonly makers = new Map<string, object>();

  constructor(
    private readonly ort: typeof Ort,
    private readonly download: Download,
    private readonly onDispose: (s: OrtState) => void,
  ) {}

  write(values: Readonly<Record<string, HostTensor>>): void {
    for (const [name, t] of Object.entries(values)) {
      if (!(t.data instanceof Float32Array)) throw new Error(`state value "${name}" must be float32`);
      this.replace(name, new this.ort.Tensor('float32', t.data.slice(), [...t.shape]));
    }
  }

  async read(names: readonly string[]): Promise<Record<string, Float32Array>> {
    const out: Record<string, Float32Array> = {};
    for (const name of names) {
      const t = this.tensor(name);
      if (!t) throw new Error(`state holds no "${name}"`);
      out[name] = t.location === 'cpu' ? (t.data as Float32Array).slice() : await this.download(t);
    }
    return out;
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  tensor(name: string): Ort.Tensor | undefined {
    return this.values.get(name);
  }

  spec(name: string): ValueSpec | undefined {
    const t = this.values.get(name);
    return t && { shape: t.dims, dtype: 'float32', length: t.size };
  }

  /** Sets a value to a tensor a run made (`maker`: its program) or to a host tensor. */
  replace(name: string, t: Ort.Tensor, maker?: object): void {
    const old = this.values.get(name);
    this.values.set(name, t);
    if (maker && t.location !== 'cpu') this.makers.set(name, maker);
    else this.makers.delete(name);
    if (old && old !== t) old.dispose();
  }

  /** Copies the device tensors `maker` made to the host, before its session goes. */
  async rescue(maker: object): Promise<void> {
    for (const [name, m] of [...this.makers]) {
      if (m !== maker) continue;
      const t = this.values.get(name)!;
      this.replace(name, new this.ort.Tensor('float32', await this.download(t), t.dims));
    }
  }

  dispose(): void {
    for (const t of this.values.values()) t.dispose();
    this.values.clear();
    this.makers.clear();
    this.onDispose(this);
  }
}
