import { resolve } from 'node:path';

/** The project root (this file is libs/cf/test/support/paths.ts). */
export const REPO_ROOT = resolve(__dirname, '../../../..');

/** shared/ sits beside the project root, in a session and in CI alike. */
export const SHARED_DIR = resolve(REPO_ROOT, '../shared');
