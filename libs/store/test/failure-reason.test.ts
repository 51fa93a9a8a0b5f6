import { describe, expect, it } from 'vitest';
import { failureReason, MAX_REASON_CHARS } from '../src/failure-reason';

const upload = { path: '/srv/data/uploads/ml-abc123def456.upload', name: 'ratings.csv' };

describe('a failure reason as shown', () => {
  it("names the user's file wherever the stored copy lies (API, artifact store, a worker's cache)", () => {
    for (const dir of ['/srv/data/uploads', '/art/sources/ml/3/files', '/home/w/.cache/vaecf/src-1f'])
      expect(failureReason(`${dir}/ml-abc123def456.upload:12: rating "x" is not a number`, upload)).toBe(
        'ratings.csv:12: rating "x" is not a number',
      );
    expect(failureReason('ml-abc123def456.upload: file is empty', upload)).toBe('ratings.csv: file is empty');
    // Other paths are left alone.
    expect(failureReason('/srv/other.csv: file is empty', upload)).toBe('/srv/other.csv: file is empty');
  });

  it('escapes control characters and bidirectional overrides, and cuts the length', () => {
    expect(failureReason('rating "\u001b[2J\u0000\u0007\u009b\u202e" is not a number')).toBe(
      'rating "\\x1b[2J\\x00\\x07\\x9b\\u202e" is not a number',
    );
    const long = failureReason(`x: ${'\u0001'.repeat(10_000)}`);
    expect(long.length).toBeLessThan(MAX_REASON_CHARS + 40);
    expect(long).toMatch(/… \(40003 characters\)$/);
  });
});
