import type { ValueSpec } from './bind-shapes';
import type { DeviceState, HostTensor } from './engine';

/**
 * A DeviceState of host arrays: the state of engines that compute on the
 * host (tfjs), where "keeping values on the device" is keeping the arrays.
 */
export class HostState implements DeviceState {
  private readonly values = new Map<string, { data: Float32Array; shape: number[] }>();

  write(values: Readonly<Record<string, HostTensor>>): void {
    for (const [name, t] of Object.entries(values)) {
      if (!(t.data instanceof Float32Array)) throw new Error(`state value "${name}" must be float32`);
      this.values.set(name, { data: t.data.slice(), shape: [...t.shape] });
    }
  }

  async read(names: readonly string[]): Promise<Record<string, Float32Array>> {
    return Object.fromEntries(names.map((n) => [n, this.held(n).data.slice()]));
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** The value itself, as a program's feed (programs only read feeds). */
  feed(name: string): HostTensor | undefined {
    return this.values.get(name);
  }

  spec(name: string): ValueSpec | undefined {
    const v = this.values.get(name);
    return v && { shape: v.shape, dtype: 'float32', length: v.data.length };
  }

  /** Replaces a value with an array a program just made (no copy: the program gives it up). */
  adopt(name: string, data: Float32Array, shape: readonly number[]): void {
    this.values.set(name, { data, shape: [...shape] });
  }

  dispose(): void {
    this.values.clear();
  }

  private held(name: string): { data: Float32Array; shape: number[] } {
    const v = this.values.get(name);
    if (!v) throw new Error(`state holds no "${name}"`);
    return v;
  }
}
