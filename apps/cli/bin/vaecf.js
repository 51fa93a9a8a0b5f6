#!/usr/bin/env node
// The `vaecf` bin. npm links bins at install time, before `npm run build` has
// written dist/, and skips a bin whose file is missing: this committed shim
// exists from the start and loads the compiled CLI when it is run.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const main = join(__dirname, '..', 'dist', 'main.js');
if (!existsSync(main)) {
  process.stderr.write('vaecf: the CLI is not built yet: run `npm run build` at the repository root\n');
  process.exit(2);
}
require(main);
