import { csvMappingProblem, prepareOptionsSchema, PRESETS, unknownKeysError } from '@vaecf/cf';
import { unknownKeyProblem } from '@vaecf/errors';
import { NETFLIX_INSTRUCTIONS, PUBLIC_DATASETS, PUBLIC_DATASET_NAMES } from '@vaecf/datasets';
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
const fileRegistrationShape = {
  ...prepareOptionsSchema.partial().shape,
  format: prepareOptionsSchema.shape.format,
  id: idSchema,
  /** A ratings file under the API's data root (VAECF_DATA_ROOT), relative to it. */
  path: z.string().min(1).max(4096),
  preset: z.enum(Object.keys(PRESETS) as [keyof typeof PRESETS]).optional(),
};

/**
 * A registration names either a file (`path`, with its `format`) or a public
 * dataset (`source`: the worker downloads it; format and preset come from the
 * catalog, any other preprocessing option may be given).
 */
const registrationShape = {
  ...fileRegistrationShape,
  path: fileRegistrationShape.path.optional(),
  format: fileRegistrationShape.format.optional(),
  source: z
    .enum(PUBLIC_DATASET_NAMES as unknown as [string, ...string[]], {
      error: (issue) => unknownKeyProblem(String(issue.input), PUBLIC_DATASET_NAMES, 'dataset'),
    })
    .optional()
    .describe(
      `a public dataset by name, downloaded and verified by the worker that prepares it: ${PUBLIC_DATASET_NAMES.join(', ')} (netflix is refused with instructions: Kaggle needs a login)`,
    ),
};

/** A csv file without a column mapping (or a mapping for another format) is refused at registration. */
function refineCsvMapping(o: { format?: string; csv?: unknown }, ctx: z.RefinementCtx): void {
  const problem = csvMappingProblem(o);
  if (problem) ctx.addIssue({ code: 'custom', path: ['csv'], message: problem });
}

/** Exactly one of path and source; a file needs its format, a public dataset has its own. */
function refineSource(o: { path?: string; source?: string; format?: string }, ctx: z.RefinementCtx): void {
  if (o.path === undefined && o.source === undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['path'],
      message: 'give a file (path, with its format) or a public dataset by name (source)',
    });
  else if (o.path !== undefined && o.source !== undefined)
    ctx.addIssue({ code: 'custom', path: ['source'], message: 'give either path or source, not both' });
  else if (o.source === 'netflix')
    ctx.addIssue({ code: 'custom', path: ['source'], message: NETFLIX_INSTRUCTIONS });
  else if (o.source !== undefined) {
    const d = PUBLIC_DATASETS.find((x) => x.name === o.source)!;
    if (o.format !== undefined && o.format !== d.format)
      ctx.addIssue({
        code: 'custom',
        path: ['format'],
        message: `source ${d.name} is ${d.format} (leave format out)`,
      });
  } else if (o.format === undefined)
    ctx.addIssue({ code: 'custom', path: ['format'], message: `a file registered by path needs its format` });
}

export const registerDatasetSchema = z
  .strictObject(registrationShape, unknownKeysError(Object.keys(registrationShape)))
  .superRefine(refineSource)
  .superRefine(refineCsvMapping);

export class RegisterDatasetDto extends createZodDto(registerDatasetSchema) {}

/** Query of POST /datasets/upload: the registration fields, without `path` (the body is the file). */
const { path: _path, csv: _csv, threshold: _threshold, ...uploadBase } = fileRegistrationShape;
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
