import { describe, expect, it } from 'vitest';
import { ConfigError, defaultsFor, resolveTrialConfig } from '../../src/model/config';
import { estimateTrainingMemory } from '../../src/model/memory';

describe('RecVAE configuration', () => {
  it('defaults to the paper: hidden 600, latent 200, gamma 0.005, lr 5e-4, batch 500, 50 epochs, 3 + 1 passes', () => {
    const c = resolveTrialConfig({ model: 'recvae' });
    expect(c).toMatchObject({
      dims: [600, 200],
      klGamma: 0.005,
      lr: 5e-4,
      batchSize: 500,
      epochs: 50,
      encoderPasses: 3,
      decoderPasses: 1,
      priorWeights: [3 / 20, 3 / 4, 1 / 10],
    });
    // Mult-VAE's configuration carries none of RecVAE's fields.
    expect(Object.keys(defaultsFor('vae'))).not.toContain('klGamma');
  });

  it.each([
    [
      { dims: [600] },
      /^invalid trial config: dims: RecVAE takes exactly \[hidden, latent\] \(got \[600\]\)$/,
    ],
    [{ dims: [600, 200, 100] }, /dims: RecVAE takes exactly \[hidden, latent\]/],
    [{ klGamma: -1 }, /^invalid trial config: klGamma: .*\(got -1\)$/],
    [{ encoderPasses: 0 }, /^invalid trial config: encoderPasses: /],
    [{ decoderPasses: 1.5 }, /^invalid trial config: decoderPasses: /],
    [{ priorWeights: [0.5, 0.5] }, /^invalid trial config: priorWeights: /],
    [
      { priorWeights: [0.5, 0.5, 0.5] },
      /^invalid trial config: priorWeights: the three weights must sum to 1/,
    ],
    [{ priorWeights: [0, 0.9, 0.1] }, /^invalid trial config: priorWeights\.0: /],
    [{ keepProb: 0 }, /^invalid trial config: keepProb: /],
  ])('refuses %j naming the field', (bad, message) => {
    expect(() => resolveTrialConfig({ model: 'recvae', ...bad } as never)).toThrow(ConfigError);
    expect(() => resolveTrialConfig({ model: 'recvae', ...bad } as never)).toThrow(message);
  });

  it("refuses RecVAE's hyperparameters on the other models", () => {
    expect(() => resolveTrialConfig({ model: 'vae', klGamma: 0.01 })).toThrow(
      /^invalid trial config: klGamma: applies to model recvae only/,
    );
    expect(() => resolveTrialConfig({ model: 'dae', encoderPasses: 2 })).toThrow(
      /encoderPasses: applies to model recvae only/,
    );
  });

  it('estimates its memory from its own layers', () => {
    const c = resolveTrialConfig({ model: 'recvae' });
    const m = estimateTrainingMemory(c, { items: 20_000 });
    // fc1 + 4 residual layers + two heads + 5 layer norms + decoder.
    const H = 600;
    const d = 200;
    const I = 20_000;
    const params = I * H + H + 4 * (H * H + H) + 2 * (H * d + d) + 5 * 2 * H + d * I + I;
    expect(m.parameters).toBe(params);
    expect(m.totalBytes).toBeGreaterThan(params * 4 * 5);
  });
});
