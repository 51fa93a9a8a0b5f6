import { PRESETS, RATINGS_FORMATS } from '@vaecf/cf';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

const column = z.union([z.string().min(1), z.number().int().min(0)]);

export const registerDatasetSchema = z
  .object({
    id: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/,
        'use letters, digits, ".", "_" and "-" (max 128), starting with a letter or digit',
      ),
    /** A ratings file under the API's data root (VAECF_DATA_ROOT), relative to it. */
    path: z.string().min(1),
    format: z.enum(RATINGS_FORMATS),
    preset: z.enum(Object.keys(PRESETS) as [keyof typeof PRESETS]).optional(),
    threshold: z.number().nullable().optional(),
    minUserCount: z.number().int().min(0).optional(),
    minItemCount: z.number().int().min(0).optional(),
    heldoutUsers: z.number().int().min(1).optional(),
    seed: z.number().int().optional(),
    undersampleRatings: z.boolean().optional(),
    csv: z
      .object({
        user: column,
        item: column,
        rating: column.optional(),
        delimiter: z.string().min(1).optional(),
        header: z.boolean().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export class RegisterDatasetDto extends createZodDto(registerDatasetSchema) {}

/** Query of POST /datasets/upload: the registration fields, without `path` (the body is the file). */
export const uploadDatasetQuerySchema = registerDatasetSchema
  .omit({ path: true, csv: true, threshold: true })
  .extend({
    heldoutUsers: z.coerce.number().int().min(1).optional(),
    minUserCount: z.coerce.number().int().min(0).optional(),
    minItemCount: z.coerce.number().int().min(0).optional(),
    seed: z.coerce.number().int().optional(),
  });

export class UploadDatasetQueryDto extends createZodDto(uploadDatasetQuerySchema) {}
