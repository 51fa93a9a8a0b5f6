import { describe, expect, it } from 'vitest';
import { ConfigError, parseTrialConfigInput, resolveTrialConfig } from '../../src/model/config';

describe("a trial's params (the input form of its configuration)", () => {
  it('takes the model and any subset of the fields, checked as in the full schema', () => {
    const p = parseTrialConfigInput({ model: 'vae', lr: 0.01, dims: [64, 8] });
    expect(p).toEqual({ model: 'vae', lr: 0.01, dims: [64, 8] });
    expect(resolveTrialConfig(p)).toMatchObject({ lr: 0.01, dims: [64, 8], epochs: 200 });
  });

  it('refuses a missing model, a bad value and an unknown key, naming the field', () => {
    expect(() => parseTrialConfigInput({ lr: 0.1 })).toThrow(/invalid trial config: model:/);
    expect(() => parseTrialConfigInput({ model: 'vae', lr: -1 })).toThrow(ConfigError);
    expect(() => parseTrialConfigInput({ model: 'vae', lr: -1 })).toThrow(/lr: .*\(got -1\)/);
    expect(() => parseTrialConfigInput({ model: 'vae', learningRate: 0.1 })).toThrow(/learningRate/);
    expect(() => parseTrialConfigInput('vae')).toThrow(ConfigError);
  });
});
