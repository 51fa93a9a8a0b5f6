import { BadRequestException, type PipeTransform, type Type } from '@nestjs/common';
import { createZodValidationPipe } from 'nestjs-zod';
import { ZodError } from 'zod';

/** 400 with the first problem, naming the field: "body.format: Invalid option: ...". */
export const ValidationPipe: Type<PipeTransform> = createZodValidationPipe({
  createValidationException: (error: unknown) => {
    if (!(error instanceof ZodError)) return new BadRequestException('invalid request');
    const issue = error.issues[0];
    const field = issue.path.length ? issue.path.join('.') : '(body)';
    return new BadRequestException(`${field}: ${issue.message}`);
  },
});
