import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The CLI package's version (read at run time: package.json sits outside the compiled rootDir). */
export const version: string = (
  JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }
).version;
