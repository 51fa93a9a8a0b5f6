import { LuaScript } from './lua-script';

/**
 * Every Lua script of libs/store, each atomic on the keys it is given (the
 * layouts are in keys.ts and dataset-store.ts), each with a header saying
 * its KEYS, ARGV and answer. They run through LuaScript (lua-script.ts):
 * EVALSHA, with the text sent only when Redis does not hold it yet.
 */

/**
 * The fence every write of a trial's owner starts with (the fenced scripts
 * below are this text followed by their own).
 * KEYS[1] trial hash, KEYS[2] the sweep's refusal counts (hash: kind -> count)
 * ARGV[1] the writer's attempt, ARGV[2] the kind of write
 * A trial that is gone (its sweep deleted) takes no write: {'gone'}. A writer
 * whose attempt is no longer the trial's takes none either, and the refusal
 * is counted here, in the same step, so that it is seen even if the writer
 * dies right after: {'fenced', current attempt, current owner}.
 */
const FENCE_CHECK = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {'gone'} end
local current = redis.call('HGET', KEYS[1], 'attempt') or '0'
if current ~= ARGV[1] then
  redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
  return {'fenced', current, redis.call('HGET', KEYS[1], 'owner') or ''}
end
`;

/**
 * claimTrialAttempt
 * KEYS[1] trial hash
 * ARGV[1] owner (worker id), ARGV[2] now (ms)
 * Takes the next attempt of a trial for a worker starting or resuming it: the
 * fencing token its writes carry from now on, which makes every earlier
 * attempt's writes stale. (A trial stored before attempts were kept starts
 * from its old count of starts.)
 * Returns the new attempt, or 0 if the trial does not exist.
 */
export const CLAIM_TRIAL_ATTEMPT = new LuaScript(
  'claimTrialAttempt',
  `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if not redis.call('HGET', KEYS[1], 'attempt') then
  redis.call('HSET', KEYS[1], 'attempt', redis.call('HGET', KEYS[1], 'attempts') or 0)
end
local attempt = redis.call('HINCRBY', KEYS[1], 'attempt', 1)
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'claimedAt', ARGV[2])
return attempt
`,
);

/**
 * startTrial (fenced)
 * ARGV[3] now (ms), ARGV[4] worker, ARGV[5] backend
 * Returns 1.
 */
export const START_TRIAL = new LuaScript(
  'startTrial',
  `${FENCE_CHECK}
redis.call('HSET', KEYS[1], 'state', 'running', 'startedAt', ARGV[3], 'worker', ARGV[4], 'backend', ARGV[5], 'engine', ARGV[6])
if ARGV[7] ~= '' then redis.call('HSET', KEYS[1], 'engineChanges', ARGV[7]) end
redis.call('HDEL', KEYS[1], 'engineWait')
return 1
`,
);

/**
 * truncateHistory (fenced)
 * KEYS[3] history list; ARGV[3] epochs kept
 * Drops the epochs after the checkpoint a resumed trial starts from.
 * Returns 1.
 */
export const TRUNCATE_HISTORY = new LuaScript(
  'truncateHistory',
  `${FENCE_CHECK}
local kept = tonumber(ARGV[3])
-- LTRIM 0 -1 would keep everything: no epochs left means no list.
if kept > 0 then redis.call('LTRIM', KEYS[3], 0, kept - 1) else redis.call('DEL', KEYS[3]) end
redis.call('HSET', KEYS[1], 'epochs', kept)
return 1
`,
);

/**
 * restartTrialFromScratch (fenced)
 * KEYS[3] history list, KEYS[4] leaderboard; ARGV[3] note, ARGV[4] trial number
 * A trial whose checkpoint was unusable starts again from epoch 0: its
 * history, best value, checkpoint pointer and leaderboard entry go.
 * Returns 1.
 */
export const RESTART_TRIAL = new LuaScript(
  'restartTrial',
  `${FENCE_CHECK}
redis.call('DEL', KEYS[3])
redis.call('HSET', KEYS[1], 'epochs', 0, 'checkpointNote', ARGV[3])
redis.call('HDEL', KEYS[1], 'best', 'checkpointAttempt', 'checkpointEpoch')
redis.call('HINCRBY', KEYS[1], 'checkpointRestarts', 1)
redis.call('ZREM', KEYS[4], ARGV[4])
return 1
`,
);

/**
 * recordEpoch (fenced)
 * KEYS[3] history list, KEYS[4] leaderboard zset
 * ARGV[3] epoch number (1-based), ARGV[4] epoch JSON, ARGV[5] objective value, ARGV[6] trial number,
 * ARGV[7] '1' when the epoch's checkpoint is committed under this attempt
 * Appends the epoch only if it is the next one (an epoch re-reported from a
 * checkpoint's history changes nothing); keeps the trial's best and the
 * leaderboard up to date; and, with ARGV[7], moves the trial's checkpoint
 * pointer to (this attempt, this epoch) in the same step, so the epoch and
 * its checkpoint become the trial's together.
 * Returns 1 if appended, 0 if it was a replay.
 */
export const RECORD_EPOCH = new LuaScript(
  'recordEpoch',
  `${FENCE_CHECK}
local len = redis.call('LLEN', KEYS[3])
local epoch = tonumber(ARGV[3])
if epoch ~= len + 1 then return 0 end
redis.call('RPUSH', KEYS[3], ARGV[4])
local value = tonumber(ARGV[5])
redis.call('HSET', KEYS[1], 'epochs', epoch)
if ARGV[7] == '1' then redis.call('HSET', KEYS[1], 'checkpointAttempt', ARGV[1], 'checkpointEpoch', epoch) end
local best = redis.call('HGET', KEYS[1], 'best')
if value == value and (not best or value > tonumber(best)) then
  redis.call('HSET', KEYS[1], 'best', ARGV[5])
  redis.call('ZADD', KEYS[4], value, ARGV[6])
end
return 1
`,
);

/**
 * recordProgress (fenced)
 * ARGV[3] progress JSON
 * The trial's latest progress; written before an epoch's checkpoint is
 * committed, so that a writer that lost the trial learns it before it
 * writes any file.
 * Returns 1.
 */
export const RECORD_PROGRESS = new LuaScript(
  'recordProgress',
  `${FENCE_CHECK}
redis.call('HSET', KEYS[1], 'progress', ARGV[3])
return 1
`,
);

/**
 * ashaRung (fenced)
 * KEYS[3] the rung hash of the sweep at this epoch
 * ARGV[3] trial number, ARGV[4] value, ARGV[5] reduction factor
 * Decides and records one arrival at an ASHA rung in one step, so that
 * trials reaching the rung at the same moment are put in one order and each
 * is compared with those before it. The cutoff is the (1 - 1/eta) quantile
 * of the values recorded before, linearly interpolated (as libs/sweep
 * ashaCutoff); no cutoff on an empty rung. A trial asking again (a retried
 * job) gets its first answer back. Each field holds "<arrival> <value> <decision>".
 * Returns "continue" or "stop".
 */
export const ASHA_RUNG = new LuaScript(
  'ashaRung',
  `${FENCE_CHECK}
local prior = redis.call('HGET', KEYS[3], ARGV[3])
if prior then return string.match(prior, ' (%a+)$') end
local values = {}
for _, v in ipairs(redis.call('HVALS', KEYS[3])) do
  local x = tonumber(string.match(v, '^%S+ (%S+) '))
  if x == x then table.insert(values, x) end
end
local arrival = redis.call('HLEN', KEYS[3])
local value = tonumber(ARGV[4])
local decision = 'continue'
if #values > 0 then
  table.sort(values)
  local pos = (1 - 1 / tonumber(ARGV[5])) * (#values - 1)
  local lo = math.floor(pos)
  local hi = math.ceil(pos)
  local cutoff = values[lo + 1] + (values[hi + 1] - values[lo + 1]) * (pos - lo)
  if not (value >= cutoff) then decision = 'stop' end
end
redis.call('HSET', KEYS[3], ARGV[3], arrival .. ' ' .. ARGV[4] .. ' ' .. decision)
return decision
`,
);

/**
 * createSweep
 * KEYS[1] idempotency key (or the sweep hash again when there is none), KEYS[2] sweep hash, KEYS[3] sweeps zset,
 * KEYS[4] the index of running sweeps
 * ARGV[1] sweep id, ARGV[2] spec JSON, ARGV[3] now (ms), ARGV[4] planned trials, ARGV[5] idempotency TTL (s), ARGV[6] "1" if keyed,
 * ARGV[7] the trials queue the sweep runs on, ARGV[8] the spec's hash
 * The idempotency key holds "<sweep id> <spec hash>" (a key written before hashes holds the id alone).
 * Returns {id, created, hash}: an existing sweep's id and the hash stored with the key when it was used before.
 */
export const CREATE_SWEEP = new LuaScript(
  'createSweep',
  `
if ARGV[6] == '1' then
  local existing = redis.call('GET', KEYS[1])
  if existing then
    local id, hash = string.match(existing, '^(%S+) (%S+)$')
    if id then return {id, 0, hash} end
    return {existing, 0, ''}
  end
  redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. ARGV[8], 'EX', tonumber(ARGV[5]))
end
redis.call('HSET', KEYS[2], 'id', ARGV[1], 'spec', ARGV[2], 'state', 'running', 'createdAt', ARGV[3], 'updatedAt', ARGV[3],
  'planned', ARGV[4], 'nextTrial', 0, 'queue', ARGV[7])
redis.call('ZADD', KEYS[3], tonumber(ARGV[3]), ARGV[1])
redis.call('ZADD', KEYS[4], tonumber(ARGV[3]), ARGV[1])
return {ARGV[1], 1, ARGV[8]}
`,
);

/**
 * setSweepState
 * KEYS[1] sweep hash, KEYS[2..] the state indexes (one zset per state; the new state's first)
 * ARGV[1] new state, ARGV[2] states it may come from (comma-separated; '' for any), ARGV[3] sweep id,
 * ARGV[4..] field, value pairs to set beside it
 * Never recreates a deleted sweep (a late writer after DELETE), and moves the
 * sweep from one state index to the other in the same step.
 * Returns 1 if changed, 0 if the sweep is gone or not in an allowed state.
 */
export const SET_SWEEP_STATE = new LuaScript(
  'setSweepState',
  `
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
`,
);

/** Ends a trial (see finishTrial); `trial`, `board`, `state`, `now`, `reason`, `no` are set before it. */
const FINISH_BODY = `
redis.call('HSET', trial, 'state', state, 'endedAt', now)
if reason ~= '' then redis.call('HSET', trial, 'reason', reason) end
if state == 'cancelled' then redis.call('ZREM', board, no) end
return 1
`;

/**
 * finishTrial (by anyone: a cancel, a job out of attempts)
 * KEYS[1] trial hash, KEYS[2] leaderboard zset
 * ARGV[1] state, ARGV[2] now (ms), ARGV[3] reason ('' for none), ARGV[4] trial number
 * Ends a trial unless it is gone (a deleted sweep stays deleted). A cancelled
 * trial leaves the leaderboard: a trial cut short is never the sweep's best
 * (its best comes back if the sweep is resumed).
 * Returns 1 if ended, 0 if the trial does not exist.
 */
export const FINISH_TRIAL = new LuaScript(
  'finishTrial',
  `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local trial, board, state, now, reason, no = KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4]
${FINISH_BODY}`,
);

/**
 * finishTrial by its owner (fenced)
 * KEYS[3] leaderboard zset; ARGV[3] state, ARGV[4] now, ARGV[5] reason, ARGV[6] trial number
 * Returns 1.
 */
export const FINISH_OWNED_TRIAL = new LuaScript(
  'finishOwnedTrial',
  `${FENCE_CHECK}
local trial, board, state, now, reason, no = KEYS[1], KEYS[3], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
${FINISH_BODY}`,
);

/**
 * reopenSweep (extend or resume)
 * KEYS[1] sweep hash, KEYS[2] events list, KEYS[3..] state indexes (running's first)
 * ARGV[1] expected updatedAt (optimistic: the sweep did not change since it was read), ARGV[2] now,
 * ARGV[3] new spec JSON, ARGV[4] new planned, ARGV[5] event JSON, ARGV[6] sweep id
 * Puts an ended sweep back to running with its new spec and plan, and records why.
 * Returns 1 if reopened, 0 if the sweep changed or is gone meanwhile.
 */
export const REOPEN_SWEEP = new LuaScript(
  'reopenSweep',
  `
if redis.call('HGET', KEYS[1], 'updatedAt') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'running', 'updatedAt', ARGV[2], 'spec', ARGV[3], 'planned', ARGV[4])
redis.call('RPUSH', KEYS[2], ARGV[5])
local created = tonumber(redis.call('HGET', KEYS[1], 'createdAt')) or 0
for i = 3, #KEYS do redis.call('ZREM', KEYS[i], ARGV[6]) end
redis.call('ZADD', KEYS[3], created, ARGV[6])
return 1
`,
);

/**
 * requeueTrial (resume)
 * KEYS[1] trial hash, KEYS[2] leaderboard zset
 * ARGV[1] trial number
 * A cancelled trial goes back to queued (it resumes from its checkpoint) and,
 * if it had validated an epoch, back onto the leaderboard.
 * Returns 1 if requeued, 0 if it was not cancelled.
 */
export const REQUEUE_TRIAL = new LuaScript(
  'requeueTrial',
  `
if redis.call('HGET', KEYS[1], 'state') ~= 'cancelled' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'queued')
redis.call('HDEL', KEYS[1], 'endedAt', 'reason')
local best = redis.call('HGET', KEYS[1], 'best')
if best then redis.call('ZADD', KEYS[2], tonumber(best), ARGV[1]) end
return 1
`,
);

/**
 * noteEngineWait (not fenced: the trial was handed back unclaimed)
 * KEYS[1] trial hash; ARGV[1] note
 * Sets the note only on a trial that exists and has not ended (a trial handed
 * back at a shutdown stays 'running' until its next start). Returns 1 if set.
 */
export const NOTE_ENGINE_WAIT = new LuaScript(
  'noteEngineWait',
  `
local state = redis.call('HGET', KEYS[1], 'state')
if state ~= 'queued' and state ~= 'running' then return 0 end
redis.call('HSET', KEYS[1], 'engineWait', ARGV[1])
return 1
`,
);

/**
 * noteTrialCheckpoint (finalize)
 * KEYS[1] trial hash; ARGV[1] note
 * Sets the note only on a trial that exists: a finalize still running when
 * its sweep was deleted recreates no record. Returns 1 if set.
 */
export const NOTE_TRIAL_CHECKPOINT = new LuaScript(
  'noteTrialCheckpoint',
  `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'checkpointNote', ARGV[1])
return 1
`,
);

/**
 * addEvent (cancel)
 * KEYS[1] sweep hash, KEYS[2] events list; ARGV[1] event JSON
 * Appends only to a sweep that exists: a cancel that a delete overtook
 * between its state change and its event leaves no list behind.
 * Returns 1 if appended.
 */
export const ADD_EVENT = new LuaScript(
  'addEvent',
  `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[1])
return 1
`,
);

/**
 * releaseLock (the sweep controller's lock)
 * KEYS[1] lock key; ARGV[1] the token it was taken with
 * Deletes the lock only if it is still ours (a lock that expired and was
 * taken by another process is left alone).
 * Returns 1 if released, 0 otherwise.
 */
export const RELEASE_LOCK = new LuaScript(
  'releaseLock',
  `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`,
);

/**
 * createDataset
 * KEYS[1] dataset hash, KEYS[2] generation counter, KEYS[3] datasets zset
 * ARGV[1] id, ARGV[2] source, ARGV[3] options JSON, ARGV[4] now (ms), ARGV[5] source name
 * Creates the record unless the id exists (a failed one is replaced: it
 * holds nothing worth keeping).
 * Returns {generation, replaced source or false}, or {0} if the id exists.
 */
export const CREATE_DATASET = new LuaScript(
  'createDataset',
  `
local previous = false
if redis.call('EXISTS', KEYS[1]) == 1 then
  if redis.call('HGET', KEYS[1], 'state') ~= 'failed' then return {0} end
  previous = redis.call('HGET', KEYS[1], 'source')
  redis.call('DEL', KEYS[1])
end
local gen = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'generation', gen, 'state', 'queued', 'source', ARGV[2],
  'options', ARGV[3], 'createdAt', ARGV[4], 'updatedAt', ARGV[4], 'sourceName', ARGV[5])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
return {gen, previous}`,
);

/**
 * updateDataset
 * KEYS[1] dataset hash; ARGV[1] generation, ARGV[2..] field, value pairs
 * Writes the fields only while the record exists with the given generation:
 * a state change from a preparation that outlived its registration (deleted,
 * or deleted and registered again) never resurrects or overwrites a record.
 * Returns 1 if written, 0 otherwise.
 */
export const UPDATE_DATASET = new LuaScript(
  'updateDataset',
  `
if redis.call('HGET', KEYS[1], 'generation') ~= ARGV[1] then return 0 end
for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
return 1`,
);

/**
 * deleteDatasetGeneration (the undo of a registration whose job could not be queued)
 * KEYS[1] dataset hash, KEYS[2] datasets zset; ARGV[1] generation, ARGV[2] id
 * Deletes the record only if it has the given generation.
 * Returns 1 if deleted, 0 otherwise.
 */
export const DELETE_DATASET_GENERATION = new LuaScript(
  'deleteDatasetGeneration',
  `
if redis.call('HGET', KEYS[1], 'generation') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[2])
return 1`,
);

/** Every script, for the test that runs each one through Redis after a SCRIPT FLUSH. */
export const ALL_SCRIPTS: readonly LuaScript[] = [
  CLAIM_TRIAL_ATTEMPT,
  START_TRIAL,
  TRUNCATE_HISTORY,
  RESTART_TRIAL,
  RECORD_EPOCH,
  RECORD_PROGRESS,
  ASHA_RUNG,
  CREATE_SWEEP,
  SET_SWEEP_STATE,
  FINISH_TRIAL,
  FINISH_OWNED_TRIAL,
  REOPEN_SWEEP,
  REQUEUE_TRIAL,
  NOTE_ENGINE_WAIT,
  NOTE_TRIAL_CHECKPOINT,
  ADD_EVENT,
  RELEASE_LOCK,
  CREATE_DATASET,
  UPDATE_DATASET,
  DELETE_DATASET_GENERATION,
];
