import { csvMappingProblem, prepareOptionsSchema, PRESETS, unknownKeysError } from '@vaecf/cf';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

const idSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/,
    'use letters, digits, ".", "_" and "-" (max 128), starting with a letter or digit',
  );

/**
 * A registration: the dataset id, the file, an optional preset, and any of
 * the preprocessing options of libs/cf (one schema for both: what the API
 * accepts is exactly what preparation understands). Everything is checked
 * here, before anything is stored or queued.
 */
const registrationShape = {
  ...prepareOptionsSchema.partial().shape,
  format: prepareOptionsSchema.shape.format,
  id: idSchema,
  /** A ratings file under the API's data root (VAECF_DATA_ROOT), relative to it. */
  path: z.string().min(1).max(4096),
  preset: z.enum(Object.keys(PRESETS) as [keyof typeof PRESETS]).optional(),
};

/** A csv file without a column mapping (or a mapping for another format) is refused at registration. */
function refineCsvMapping(o: { format: string; csv?: unknown }, ctx: z.RefinementCtx): void {
  const problem = csvMappingProblem(o);
  if (problem) ctx.addIssue({ code: 'custom', path: ['csv'], message: problem });
}

export const registerDatasetSchema = z
  .strictObject(registrationShape, unknownKeysError(Object.keys(registrationShape)))
  .superRefine(refineCsvMapping);

export class RegisterDatasetDto extends createZodDto(registerDatasetSchema) {}

/** Query of POST /datasets/upload: the registration fields, without `path` (the body is the file). */
const { path: _path, csv: _csv, threshold: _threshold, ...uploadBase } = registrationShape;
const uploadShape = {
  ...uploadBase,
  /** The file's own name (the body has none): failure reasons name it instead of the stored copy. */
  filename: z
    .string()
    .min(1)
    .max(255)
    // eslint-disable-next-line no-control-regex -- control characters are what is refused
    .regex(/^[^/\\\u0000-\u001f\u007f-\u009f]+$/, 'a file name: no "/", "\\" or control characters')
    .optional(),
  heldoutUsers: z.coerce
    .number()
    .int()
    .min(1)
    .max(2 ** 31 - 1)
    .optional(),
  minUserCount: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .optional(),
  minItemCount: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .optional(),
  heldoutFraction: z.coerce.number().gt(0).lt(1).optional(),
  seed: z.coerce
    .number()
    .int()
    .min(-(2 ** 31))
    .max(2 ** 31 - 1)
    .optional(),
};
export const uploadDatasetQuerySchema = z
  .strictObject(uploadShape, unknownKeysError(Object.keys(uploadShape)))
  .superRefine(refineCsvMapping);

export class UploadDatasetQueryDto extends createZodDto(uploadDatasetQuerySchema) {}
