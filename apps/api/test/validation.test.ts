import { BadRequestException, type ArgumentMetadata } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { ValidationPipe } from '../src/common/validation';
import { RegisterDatasetDto, UploadDatasetQueryDto } from '../src/datasets/datasets.dto';
import { ListQueryDto } from '../src/sweeps/extend.dto';

const pipe = new ValidationPipe();

/** The 400's message, or 'accepted'. */
function problem(value: unknown, metadata: ArgumentMetadata): string {
  try {
    pipe.transform(value, metadata);
    return 'accepted';
  } catch (e) {
    expect(e).toBeInstanceOf(BadRequestException);
    return (e as BadRequestException).message;
  }
}

const query = (metatype?: ArgumentMetadata['metatype'], data?: string): ArgumentMetadata => ({
  type: 'query',
  metatype,
  data,
});

describe('the validation pipe', () => {
  it('names a query parameter given twice (Express reads it as an array), never NaN', () => {
    expect(problem({ limit: ['1', '2'] }, query(ListQueryDto))).toBe(
      'limit: the query parameter is given more than once; give it once',
    );
    expect(problem(['a', 'b'], query(String, 'format'))).toBe(
      'format: the query parameter is given more than once; give it once',
    );
  });

  it('names an unknown query parameter (`state[]`) as a query parameter, not "(body)"', () => {
    expect(problem({ 'state[]': 'x' }, query(ListQueryDto))).toBe(
      'state[]: unknown query parameter "state[]" (did you mean "state"?); valid: state, offset, limit',
    );
    expect(problem({ id: 'a', format: 'movielens-csv', heldout: '3' }, query(UploadDatasetQueryDto))).toMatch(
      /^heldout: unknown query parameter "heldout"; valid: .*heldoutUsers/,
    );
    expect(problem({ limit: '0' }, query(ListQueryDto))).toMatch(/^limit: Too small/);
    expect(problem({ limit: '7' }, query(ListQueryDto))).toBe('accepted');
  });

  it('keeps naming body problems by field, and the whole body "(body)"', () => {
    const body: ArgumentMetadata = { type: 'body', metatype: RegisterDatasetDto };
    expect(problem('x', body)).toBe('(body): Invalid input: expected object, received string');
    expect(problem({ id: 'a', path: 'p', format: 'xml' }, body)).toMatch(/^format: Invalid option/);
  });
});
