import { InputError } from '@vaecf/errors';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readWorkerConfig, WorkerEnvironmentError } from '../../../apps/worker/src/config';
import { apiConfig, ApiEnvironmentError } from '../../../apps/api/src/config';
import {
  cachedEnvironment,
  loadEnvironment,
  sharedEnvFields,
  unsetIfEmpty,
  type EnvironmentLoader,
} from '../src/environment';

class TestEnvironmentError extends Error {}

const loader: EnvironmentLoader<{ REDIS_URL: string; OWN: number; TOKEN?: string }> = {
  who: 'test',
  schema: z.object({
    REDIS_URL: sharedEnvFields.REDIS_URL,
    OWN: z.coerce.number().int().min(1).default(3),
    TOKEN: unsetIfEmpty(),
  }),
  error: TestEnvironmentError,
};

describe('loadEnvironment', () => {
  it('fills the defaults and keeps an app its own fields', () => {
    expect(loadEnvironment(loader, {})).toEqual({ REDIS_URL: 'redis://127.0.0.1:6379', OWN: 3 });
    expect(loadEnvironment(loader, { OWN: '7', TOKEN: 't' })).toMatchObject({ OWN: 7, TOKEN: 't' });
  });

  it('reads an empty value (compose default) as unset', () => {
    expect(loadEnvironment(loader, { TOKEN: '' }).TOKEN).toBeUndefined();
  });

  it('refuses a bad value in one line naming the variable, with the app error', () => {
    const bad = () => loadEnvironment(loader, { OWN: '0' });
    expect(bad).toThrow(TestEnvironmentError);
    expect(bad).toThrow(/^invalid test environment: OWN: /);
    expect(() => loadEnvironment(loader, { REDIS_URL: 'not a url' })).toThrow(
      /^invalid test environment: REDIS_URL: /,
    );
  });

  it('turns the InputError of a check into the app error; other errors pass through', () => {
    const checked = {
      ...loader,
      checks: [
        (env: NodeJS.ProcessEnv) => {
          if (env.STORE === 'bad')
            throw new InputError('VAECF_ARTIFACTS: must be fs or s3', 'VAECF_ARTIFACTS');
          if (env.STORE === 'bug') throw new TypeError('a bug');
        },
      ],
    };
    expect(() => loadEnvironment(checked, { STORE: 'bad' })).toThrow(
      new TestEnvironmentError('invalid test environment: VAECF_ARTIFACTS: must be fs or s3'),
    );
    expect(() => loadEnvironment(checked, { STORE: 'bug' })).toThrow(TypeError);
  });

  it('cachedEnvironment reads once: later calls get the first settings', () => {
    const read = cachedEnvironment(loader);
    expect(read({ OWN: '5' }).OWN).toBe(5);
    expect(read({ OWN: '9' }).OWN).toBe(5);
  });
});

describe('the API and the worker share it', () => {
  it('both read the shared fields alike and refuse them with their own error', () => {
    const env = { REDIS_URL: 'redis://example:6380', VAECF_TRIALS_QUEUE: 'q1', VAECF_GPU: '2' };
    const worker = readWorkerConfig(env);
    expect(worker).toMatchObject({
      REDIS_URL: 'redis://example:6380',
      VAECF_TRIALS_QUEUE: 'q1',
      VAECF_GPU: 2,
    });
    expect(worker.WORKER_CONCURRENCY).toBe(1); // the worker's own fields stay
    expect(() => readWorkerConfig({ REDIS_URL: 'nope' })).toThrow(WorkerEnvironmentError);
    expect(() => readWorkerConfig({ REDIS_URL: 'nope' })).toThrow(/^invalid worker environment: REDIS_URL: /);
    // apiConfig caches the first call: a bad environment first (a refusal caches nothing), then a good one.
    expect(() => apiConfig({ VAECF_GPU: '-1' })).toThrow(ApiEnvironmentError);
    expect(() => apiConfig({ VAECF_GPU: '-1' })).toThrow(/^invalid API environment: VAECF_GPU: /);
    const api = apiConfig(env);
    expect(api).toMatchObject({ REDIS_URL: 'redis://example:6380', VAECF_TRIALS_QUEUE: 'q1', VAECF_GPU: 2 });
    expect(api.PORT).toBe(8080); // the API's own fields stay
  });
});
