import { keys } from '../src/keys';
import { RedisSweepStore } from '../src/redis-sweep-store';
import { connect } from './redis';
import { sweepStoreContract } from './sweep-store-contract';

/** The contract over the store the apps use, on a real Redis. */
sweepStoreContract('Redis', async () => {
  const redis = connect();
  return {
    store: new RedisSweepStore(redis),
    otherClient: async () => {
      const own = connect();
      return { store: new RedisSweepStore(own), close: async () => void (await own.quit()) };
    },
    plantUnhashedIdempotencyKey: async (key, sweepId) =>
      void (await redis.set(keys.idempotency(key), sweepId, 'EX', 60)),
    overwriteSpec: async (id, text) => void (await redis.hset(keys.sweep(id), 'spec', text)),
    overwriteTrialParams: async (id, n, text) => void (await redis.hset(keys.trial(id, n), 'params', text)),
    // Every key of a sweep carries its id in a hash tag (keys.ts).
    leftovers: (id) => redis.keys(`vaecf:sweep:{${id}}*`),
    close: async () => void (await redis.quit()),
  };
});
