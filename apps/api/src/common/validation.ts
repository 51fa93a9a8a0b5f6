import { BadRequestException, Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { unknownKeyProblem } from '@vaecf/errors';
import type { ZodType, core } from 'zod';

/** A nestjs-zod DTO class: its zod schema rides on the class. */
interface ZodDtoClass {
  readonly isZodDto: true;
  readonly schema: ZodType;
}

const isZodDto = (metatype: unknown): metatype is ZodDtoClass =>
  typeof metatype === 'function' && (metatype as { isZodDto?: unknown }).isZodDto === true;

/**
 * The global pipe: validates each DTO with its zod schema and answers a 400
 * with the first problem, naming the field ("body.format: ...", "limit:
 * ..."). Query strings get two checks of their own first: a parameter given
 * twice (`?limit=1&limit=2`, which Express reads as an array) is refused by
 * name instead of becoming NaN, and a problem with the query as a whole
 * (an unknown parameter such as `state[]`) names the parameter, never "(body)".
 */
@Injectable()
export class ValidationPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'query') refuseRepeatedParameters(value, metadata.data);
    const { metatype } = metadata;
    if (!isZodDto(metatype)) return value;
    const r = metatype.schema.safeParse(value);
    if (r.success) return r.data;
    throw new BadRequestException(
      metadata.type === 'query'
        ? queryProblem(r.error.issues[0], metatype.schema)
        : bodyProblem(r.error.issues[0]),
    );
  }
}

function bodyProblem(issue: core.$ZodIssue): string {
  return `${issue.path.length ? issue.path.join('.') : '(body)'}: ${issue.message}`;
}

function queryProblem(issue: core.$ZodIssue, schema: ZodType): string {
  if (issue.path.length) return `${issue.path.join('.')}: ${issue.message}`;
  if (issue.code === 'unrecognized_keys') {
    const known = Object.keys((schema as { shape?: Record<string, unknown> }).shape ?? {});
    return `${issue.keys[0]}: ${unknownKeyProblem(issue.keys[0], known, 'query parameter')}`;
  }
  return `(query): ${issue.message}`;
}

/** `?a=1&a=2` (and `?a=1&a=2` read for one named parameter): a 400 naming the parameter. */
function refuseRepeatedParameters(value: unknown, name: string | undefined): void {
  if (name !== undefined) {
    if (Array.isArray(value)) throw repeated(name);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const key = Object.keys(value).find((k) => Array.isArray((value as Record<string, unknown>)[k]));
  if (key !== undefined) throw repeated(key);
}

const repeated = (name: string) =>
  new BadRequestException(`${name}: the query parameter is given more than once; give it once`);
