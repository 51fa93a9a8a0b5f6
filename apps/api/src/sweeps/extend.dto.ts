import { MAX_TRIALS } from '@vaecf/sweep';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

export const extendSchema = z
  .object({
    /** More configurations for the sampler to propose (each run `limits.repeats` times). */
    trials: z.number().int().min(1).max(MAX_TRIALS),
  })
  .strict();

export class ExtendDto extends createZodDto(extendSchema) {}

export const listQuerySchema = z
  .object({
    state: z.enum(['running', 'finalizing', 'completed', 'cancelled', 'failed']).optional(),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

export class ListQueryDto extends createZodDto(listQuerySchema) {}
