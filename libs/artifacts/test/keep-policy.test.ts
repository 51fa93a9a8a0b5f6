import { describe, expect, it } from 'vitest';
import { checkpointsToDelete } from '../src/keep-policy';

describe('checkpointsToDelete', () => {
  const trials = [
    { trialNo: 0, running: false, best: 0.3 },
    { trialNo: 1, running: true, best: 0.5 },
    { trialNo: 2, running: false, best: 0.4 },
    { trialNo: 3, running: false },
  ];
  it('keeps everything by default while the sweep runs', () => {
    expect(checkpointsToDelete(trials, false)).toEqual([]);
  });
  it('keeps the best finished trials when asked, never a running one', () => {
    expect(checkpointsToDelete(trials, false, { keepFinished: 1 })).toEqual([0, 3]);
  });
  it('keeps only the promoted model after the end, or the top few', () => {
    expect(checkpointsToDelete(trials, true)).toEqual([0, 1, 2, 3]);
    expect(checkpointsToDelete(trials, true, { keepAfterEnd: 1 })).toEqual([0, 1, 3]);
  });
});
