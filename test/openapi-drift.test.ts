import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..');

describe('docs/openapi.json', () => {
  it('is the document the built API generates (run `npm run openapi` after changing a route or a view)', () => {
    const generated = execFileSync(
      process.execPath,
      [resolve(ROOT, 'apps/api/dist/openapi-export.js'), '-'],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    const committed = readFileSync(resolve(ROOT, 'docs/openapi.json'), 'utf8');
    // Compared as objects first (a readable diff of what drifted), then as text (the file is written as generated).
    expect(JSON.parse(committed)).toEqual(JSON.parse(generated));
    expect(committed).toBe(generated);
  });
});
