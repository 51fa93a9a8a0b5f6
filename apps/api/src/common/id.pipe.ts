import { BadRequestException, type PipeTransform } from '@nestjs/common';

/** Sweep ids (sw_<hex>) and dataset ids both fit this; anything else cannot exist. */
const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/**
 * Validates an `:id` path parameter: an id that cannot exist is a 400 naming
 * it, and never reaches a Redis key or a key pattern (`{`, `*`, `:`).
 */
export const ID_PARAM: PipeTransform<string, string> = {
  transform(value: string) {
    if (!ID.test(value))
      throw new BadRequestException(
        'id: use letters, digits, ".", "_" and "-" (max 128), starting with a letter or digit',
      );
    return value;
  },
};
