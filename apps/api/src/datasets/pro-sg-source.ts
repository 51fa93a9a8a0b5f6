import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { BadRequestException } from '@nestjs/common';
import { PRO_SG_FILES, PRO_SG_ITEMS_FILE } from '@vaecf/cf';

/**
 * A pro_sg registration names a directory, not a file: it must be one, and
 * each of the notebook's files in it must exist and, followed through any
 * symlink, still lie under the data root (`real` is the directory's real path).
 */
export function checkProSgDirectory(root: string, real: string, path: string): string {
  if (!statSync(real).isDirectory())
    throw new BadRequestException(
      `path: "${path}" is not a directory (format pro_sg reads the notebook's files)`,
    );
  for (const name of [PRO_SG_ITEMS_FILE, ...Object.values(PRO_SG_FILES)]) {
    let file: string;
    try {
      file = realpathSync(join(real, name));
    } catch {
      throw new BadRequestException(`path: "${path}" has no ${name} (a pro_sg directory needs it)`);
    }
    const rel = relative(root, file);
    if (rel.startsWith('..') || isAbsolute(rel) || !statSync(file).isFile())
      throw new BadRequestException(`path: "${path}/${name}" is outside the data root or not a file`);
  }
  return real;
}
