#!/usr/bin/env node
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { openApiDocument } from './common/openapi-document';

/**
 * Writes the API's OpenAPI document (`npm run openapi` -> docs/openapi.json; `-` for stdout).
 * The app is built in preview mode: routes and schemas without providers, so no Redis, no engine.
 */
async function main(out: string): Promise<void> {
  const app = await NestFactory.create(AppModule, { preview: true, logger: false, bodyParser: false });
  const text = `${JSON.stringify(openApiDocument(app), null, 2)}\n`;
  await app.close();
  // Written before the process exits: a pipe takes a large write in parts, which exit would cut off.
  if (out === '-') await new Promise<void>((done) => process.stdout.write(text, () => done()));
  else writeFileSync(out, text);
}

main(process.argv[2] ?? 'docs/openapi.json').then(
  () => process.exit(0),
  (e: Error) => {
    process.stderr.write(`openapi: ${e.stack ?? e.message}\n`);
    process.exit(1);
  },
);
