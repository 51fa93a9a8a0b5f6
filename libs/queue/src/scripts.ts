/**
 * Lua scripts, each atomic on one sweep's keys (see keys.ts).
 */

/**
 * recordEpoch
 * KEYS[1] trial hash, KEYS[2] history list, KEYS[3] leaderboard zset
 * ARGV[1] epoch number (1-based), ARGV[2] epoch JSON, ARGV[3] value (validation NDCG@100), ARGV[4] trial number
 * Appends the epoch only if it is the next one (a retried job replaying an
 * epoch it already reported changes nothing); keeps the trial's best and the
 * leaderboard up to date.
 * Returns 1 if appended, 0 if it was a replay.
 */
export const RECORD_EPOCH = `
local len = redis.call('LLEN', KEYS[2])
local epoch = tonumber(ARGV[1])
if epoch ~= len + 1 then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[2])
local value = tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 'epochs', epoch)
local best = redis.call('HGET', KEYS[1], 'best')
if value == value and (not best or value > tonumber(best)) then
  redis.call('HSET', KEYS[1], 'best', ARGV[3])
  redis.call('ZADD', KEYS[3], value, ARGV[4])
end
return 1
`;

/**
 * ashaRung
 * KEYS[1] the rung hash of the sweep at this epoch
 * ARGV[1] trial number, ARGV[2] value, ARGV[3] reduction factor
 * Decides and records one arrival at an ASHA rung in one step, so that
 * trials reaching the rung at the same moment are put in one order and each
 * is compared with those before it. The cutoff is the (1 - 1/eta) quantile
 * of the values recorded before, linearly interpolated (as libs/sweep
 * ashaCutoff); no cutoff on an empty rung. A trial asking again (a retried
 * job) gets its first answer back. Each field holds "<arrival> <value> <decision>".
 * Returns "continue" or "stop".
 */
export const ASHA_RUNG = `
local prior = redis.call('HGET', KEYS[1], ARGV[1])
if prior then return string.match(prior, ' (%a+)$') end
local values = {}
for _, v in ipairs(redis.call('HVALS', KEYS[1])) do
  local x = tonumber(string.match(v, '^%S+ (%S+) '))
  if x == x then table.insert(values, x) end
end
local arrival = redis.call('HLEN', KEYS[1])
local value = tonumber(ARGV[2])
local decision = 'continue'
if #values > 0 then
  table.sort(values)
  local pos = (1 - 1 / tonumber(ARGV[3])) * (#values - 1)
  local lo = math.floor(pos)
  local hi = math.ceil(pos)
  local cutoff = values[lo + 1] + (values[hi + 1] - values[lo + 1]) * (pos - lo)
  if not (value >= cutoff) then decision = 'stop' end
end
redis.call('HSET', KEYS[1], ARGV[1], arrival .. ' ' .. ARGV[2] .. ' ' .. decision)
return decision
`;

/**
 * createSweep
 * KEYS[1] idempotency key (or the sweep hash again when there is none), KEYS[2] sweep hash, KEYS[3] sweeps zset,
 * KEYS[4] the index of running sweeps
 * ARGV[1] sweep id, ARGV[2] spec JSON, ARGV[3] now (ms), ARGV[4] planned trials, ARGV[5] idempotency TTL (s), ARGV[6] "1" if keyed,
 * ARGV[7] the trials queue the sweep runs on
 * Returns {id, created}: an existing sweep's id when the key was used before.
 */
export const CREATE_SWEEP = `
if ARGV[6] == '1' then
  local existing = redis.call('GET', KEYS[1])
  if existing then return {existing, 0} end
  redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[5]))
end
redis.call('HSET', KEYS[2], 'id', ARGV[1], 'spec', ARGV[2], 'state', 'running', 'createdAt', ARGV[3], 'updatedAt', ARGV[3],
  'planned', ARGV[4], 'nextTrial', 0, 'queue', ARGV[7])
redis.call('ZADD', KEYS[3], tonumber(ARGV[3]), ARGV[1])
redis.call('ZADD', KEYS[4], tonumber(ARGV[3]), ARGV[1])
return {ARGV[1], 1}
`;

/**
 * setSweepState
 * KEYS[1] sweep hash, KEYS[2..] the state indexes (one zset per state; the new state's first)
 * ARGV[1] new state, ARGV[2] states it may come from (comma-separated; '' for any), ARGV[3] sweep id,
 * ARGV[4..] field, value pairs to set beside it
 * Never recreates a deleted sweep (a late writer after DELETE), and moves the
 * sweep from one state index to the other in the same step.
 * Returns 1 if changed, 0 if the sweep is gone or not in an allowed state.
 */
export const SET_SWEEP_STATE = `
local current = redis.call('HGET', KEYS[1], 'state')
if not current then return 0 end
if ARGV[2] ~= '' and not string.find(',' .. ARGV[2] .. ',', ',' .. current .. ',', 1, true) then return 0 end
local fields = {'state', ARGV[1]}
for i = 4, #ARGV do table.insert(fields, ARGV[i]) end
redis.call('HSET', KEYS[1], unpack(fields))
local created = tonumber(redis.call('HGET', KEYS[1], 'createdAt')) or 0
for i = 2, #KEYS do redis.call('ZREM', KEYS[i], ARGV[3]) end
redis.call('ZADD', KEYS[2], created, ARGV[3])
return 1
`;

/**
 * finishTrial
 * KEYS[1] trial hash, KEYS[2] leaderboard zset
 * ARGV[1] state, ARGV[2] now (ms), ARGV[3] reason ('' for none), ARGV[4] trial number
 * Ends a trial unless it is gone (a deleted sweep stays deleted). A cancelled
 * trial leaves the leaderboard: a trial cut short is never the sweep's best
 * (its best comes back if the sweep is resumed).
 * Returns 1 if ended, 0 if the trial does not exist.
 */
export const FINISH_TRIAL = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'endedAt', ARGV[2])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'reason', ARGV[3]) end
if ARGV[1] == 'cancelled' then redis.call('ZREM', KEYS[2], ARGV[4]) end
return 1
`;

/**
 * reopenSweep (extend or resume)
 * KEYS[1] sweep hash, KEYS[2] events list, KEYS[3..] state indexes (running's first)
 * ARGV[1] expected updatedAt (optimistic: the sweep did not change since it was read), ARGV[2] now,
 * ARGV[3] new spec JSON, ARGV[4] new planned, ARGV[5] event JSON, ARGV[6] sweep id
 * Puts an ended sweep back to running with its new spec and plan, and records why.
 * Returns 1 if reopened, 0 if the sweep changed or is gone meanwhile.
 */
export const REOPEN_SWEEP = `
if redis.call('HGET', KEYS[1], 'updatedAt') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'running', 'updatedAt', ARGV[2], 'spec', ARGV[3], 'planned', ARGV[4])
redis.call('RPUSH', KEYS[2], ARGV[5])
local created = tonumber(redis.call('HGET', KEYS[1], 'createdAt')) or 0
for i = 3, #KEYS do redis.call('ZREM', KEYS[i], ARGV[6]) end
redis.call('ZADD', KEYS[3], created, ARGV[6])
return 1
`;

/**
 * requeueTrial (resume)
 * KEYS[1] trial hash, KEYS[2] leaderboard zset
 * ARGV[1] trial number
 * A cancelled trial goes back to queued (it resumes from its checkpoint) and,
 * if it had validated an epoch, back onto the leaderboard.
 * Returns 1 if requeued, 0 if it was not cancelled.
 */
export const REQUEUE_TRIAL = `
if redis.call('HGET', KEYS[1], 'state') ~= 'cancelled' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'queued')
redis.call('HDEL', KEYS[1], 'endedAt', 'reason')
local best = redis.call('HGET', KEYS[1], 'best')
if best then redis.call('ZADD', KEYS[2], tonumber(best), ARGV[1]) end
return 1
`;
