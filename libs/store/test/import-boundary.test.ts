import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The direction between the two halves of the core: libs/orchestration (the
 * use cases) uses libs/store (the Redis persistence), never the reverse, so
 * that the store can be read, tested and replaced without the use cases.
 * Imports are read with TypeScript's own pre-processor, type-only imports
 * included; eslint.config.mjs refuses the same imports as they are written.
 */
const STORE = resolve(__dirname, '..');
const SRC = join(STORE, 'src');

/** What a module of the store may not import: the use-case package, and the queue library it drives. */
const FORBIDDEN = [/^@vaecf\/orchestration(\/|$)/, /^bullmq(\/|$)/];

/** The imports of `text` (a module at `file`) that break the direction. */
export function boundaryViolations(file: string, text: string): string[] {
  return ts
    .preProcessFile(text, true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((spec) =>
      spec.startsWith('.')
        ? relative(SRC, resolve(dirname(file), spec)).startsWith('..') // out of libs/store/src
        : FORBIDDEN.some((p) => p.test(spec)),
    );
}

describe('libs/store imports', () => {
  const files = readdirSync(SRC).filter((f) => f.endsWith('.ts'));

  it('never reach libs/orchestration (nor BullMQ)', () => {
    expect(files.length).toBeGreaterThan(5);
    const found = files.flatMap((f) => {
      const path = join(SRC, f);
      return boundaryViolations(path, readFileSync(path, 'utf8')).map((spec) => `${f} -> ${spec}`);
    });
    expect(found).toEqual([]);
  });

  it('and its package does not depend on it', () => {
    const pkg = JSON.parse(readFileSync(join(STORE, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    expect(Object.keys(pkg.dependencies ?? {})).not.toContain('@vaecf/orchestration');
    expect(Object.keys(pkg.dependencies ?? {})).not.toContain('bullmq');
  });

  it('the check finds what it looks for', () => {
    const file = join(SRC, 'x.ts');
    const text = [
      "import { submitSweep } from '@vaecf/orchestration';",
      "import type { Queue } from 'bullmq';",
      "export * from '../../orchestration/src/jobs';",
      "import { keys } from './keys';",
      "import type { SweepSpec } from '@vaecf/sweep';",
    ].join('\n');
    expect(boundaryViolations(file, text)).toEqual([
      '@vaecf/orchestration',
      'bullmq',
      '../../orchestration/src/jobs',
    ]);
  });
});
