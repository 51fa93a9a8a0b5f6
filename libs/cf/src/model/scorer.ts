import type { Engine } from '@vaecf/engine';
import { Rng } from '../runtime/rng';
import type { TrialConfig } from './config';
import { MultAutoencoder, type ModelState } from './network';
import { RecVAE } from './recvae/model';

/**
 * A model that only scores: the architecture of `config` holding `weights`
 * (a trial's best, usually). Scoring uses no dropout and the mean of q(z),
 * so its random generator is never drawn from; the seed is immaterial.
 * The one way every caller (test evaluation, finalize, recommendations)
 * turns saved weights into a scorer, on `engine`. Dispose it when done.
 */
export async function scorerFromWeights(
  config: TrialConfig,
  nItems: number,
  weights: ModelState,
  engine: Engine,
): Promise<MultAutoencoder | RecVAE> {
  const model =
    config.model === 'recvae'
      ? await RecVAE.create(config, nItems, Rng.fromSeed(0), engine)
      : await MultAutoencoder.create(config, nItems, Rng.fromSeed(0), engine);
  model.setState(weights, true);
  return model;
}
