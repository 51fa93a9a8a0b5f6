import { prepareOptionsSchema, PRESETS } from '@vaecf/cf';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

/**
 * A registration: the dataset id, the file, an optional preset, and any of
 * the preprocessing options of libs/cf (one schema for both: what the API
 * accepts is exactly what preparation understands).
 */
export const registerDatasetSchema = prepareOptionsSchema
  .partial()
  .required({ format: true })
  .extend({
    id: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/,
        'use letters, digits, ".", "_" and "-" (max 128), starting with a letter or digit',
      ),
    /** A ratings file under the API's data root (VAECF_DATA_ROOT), relative to it. */
    path: z.string().min(1),
    preset: z.enum(Object.keys(PRESETS) as [keyof typeof PRESETS]).optional(),
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
