import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

export const recommendSchema = z
  .object({
    /** The user's history: original item ids from the ratings file. Unknown ids are reported, not fatal. */
    items: z.array(z.string().min(1)).max(10_000),
    k: z.number().int().min(1).max(1000).default(10),
  })
  .strict();

export class RecommendDto extends createZodDto(recommendSchema) {}
