import { describe, expect, it } from 'vitest';
import { count, plural } from '../src/output/plural';

describe('counts in CLI output', () => {
  it('one thing is singular, any other number plural', () => {
    expect(count(1, 'epoch')).toBe('1 epoch');
    expect(count(0, 'epoch')).toBe('0 epochs');
    expect(count(12, 'completed trial')).toBe('12 completed trials');
    expect(count(1, 'completed trial')).toBe('1 completed trial');
    expect(count(1, 'minibatch', 'minibatches')).toBe('1 minibatch');
    expect(count(3, 'minibatch', 'minibatches')).toBe('3 minibatches');
    expect(plural(1, 'byte')).toBe('byte');
  });
});
