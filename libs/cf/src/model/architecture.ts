import type { ModelKind } from './config';

/** One fully connected layer of the autoencoder. */
export interface LayerSpec {
  readonly inputs: number;
  readonly units: number;
  /** tanh after the affine map (every layer but the encoder's last in a VAE and the decoder's last). */
  readonly tanh: boolean;
}

export interface Architecture {
  readonly kind: ModelKind;
  readonly nItems: number;
  readonly layers: readonly LayerSpec[];
  /** VAE only: index of the first decoder layer; the layer before it emits [mu | logvar]. */
  readonly decoderStart: number;
  readonly latent: number;
}

/**
 * The paper's layer stacks. Mult-VAE with dims [600, 200]: I-600-(200 mu,
 * 200 logvar), then 200-600-I. Mult-DAE with dims [200]: I-200-I. tanh
 * between layers; the encoder's last VAE layer and the output are linear.
 */
export function architecture(kind: ModelKind, nItems: number, dims: readonly number[]): Architecture {
  const latent = dims[dims.length - 1];
  const enc = [nItems, ...dims];
  const dec = [...dims].reverse().concat(nItems);
  const layers: LayerSpec[] = [];
  for (let i = 0; i < dims.length; i++) {
    const last = i === dims.length - 1;
    const units = kind === 'vae' && last ? 2 * enc[i + 1] : enc[i + 1];
    layers.push({ inputs: enc[i], units, tanh: kind === 'dae' || !last });
  }
  const decoderStart = layers.length;
  for (let i = 0; i < dims.length; i++) {
    layers.push({ inputs: dec[i], units: dec[i + 1], tanh: i < dims.length - 1 });
  }
  return { kind, nItems, layers, decoderStart, latent };
}
