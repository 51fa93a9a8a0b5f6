import { architecture } from '../model/architecture';
import type { TrialConfig } from '../model/config';

/** One dense layer of the scoring path: y = act(x @ kernel + bias), kernel row-major [inputs x units]. */
export interface ScoringLayer {
  readonly name: string;
  readonly inputs: number;
  readonly units: number;
  readonly activation: 'tanh' | 'linear';
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
}

/**
 * The layers vaecf scores with (network.ts `score`): the encoder with, for
 * Mult-VAE, only the mean half of its last layer (z = mu at evaluation, the
 * log-variance columns never matter), then the decoder; the output is the
 * logits. Names: encoder_0.., encoder_mu (VAE), decoder_0.., decoder_out.
 */
export function scoringLayers(
  config: TrialConfig,
  nItems: number,
  weights: Readonly<Record<string, Float32Array>>,
): ScoringLayer[] {
  const arch = architecture(config.model, nItems, config.dims);
  return arch.layers.map((spec, k) => {
    const kernel = weights[`layer${k}/W`];
    const bias = weights[`layer${k}/b`];
    if (!kernel || !bias || kernel.length !== spec.inputs * spec.units || bias.length !== spec.units)
      throw new Error(`model weights lack layer${k} of shape ${spec.inputs}x${spec.units}`);
    const isMu = arch.kind === 'vae' && k === arch.decoderStart - 1;
    const decoder = k >= arch.decoderStart;
    const name = isMu
      ? 'encoder_mu'
      : decoder
        ? k === arch.layers.length - 1
          ? 'decoder_out'
          : `decoder_${k - arch.decoderStart}`
        : `encoder_${k}`;
    const activation = spec.tanh ? 'tanh' : 'linear';
    if (!isMu) return { name, inputs: spec.inputs, units: spec.units, activation, kernel, bias };
    // [mu | logvar]: keep the first `latent` columns of every row.
    const d = arch.latent;
    const mu = new Float32Array(spec.inputs * d);
    for (let r = 0; r < spec.inputs; r++) mu.set(kernel.subarray(r * spec.units, r * spec.units + d), r * d);
    return { name, inputs: spec.inputs, units: d, activation, kernel: mu, bias: bias.slice(0, d) };
  });
}
