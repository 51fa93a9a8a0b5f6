import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import { DatasetInputError } from './errors';
import { lineParser, parseRating, type CsvColumns, type EventSink, type RatingsFormat } from './formats';

export interface ReadProgress {
  readonly bytesRead: number;
  readonly totalBytes: number;
  readonly rows: number;
}

export interface ReadOptions {
  readonly format: RatingsFormat;
  readonly csv?: CsvColumns;
  readonly onProgress?: (p: ReadProgress) => void;
}

/**
 * Streams every interaction of a ratings file into `sink`, never holding the
 * file in memory; gzip is detected by its magic bytes. Returns the number of
 * interactions read. Throws DatasetInputError (file, line, problem) on bad
 * input, including a file with no interactions at all.
 */
export async function readInteractions(path: string, opts: ReadOptions, sink: EventSink): Promise<number> {
  const { size } = await stat(path).catch(() => {
    throw new DatasetInputError(path, 0, 'file not found or not readable');
  });
  if (size === 0) throw new DatasetInputError(path, 0, 'file is empty');
  const gzip = await isGzip(path);
  // From here to the consumers nothing may await: a 'data' listener starts the flow at once.
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  let bytesRead = 0;
  let rows = 0;
  let lastReport = 0;
  raw.on('data', (chunk) => {
    bytesRead += chunk.length;
    if (opts.onProgress && bytesRead - lastReport >= 8 << 20) {
      lastReport = bytesRead;
      opts.onProgress({ bytesRead, totalBytes: size, rows });
    }
  });
  const input: Readable = gzip ? raw.pipe(createGunzip()) : raw;
  const count: EventSink = (u, i, r) => {
    rows++;
    sink(u, i, r);
  };
  try {
    if (opts.format === 'csv') await readDelimited(path, input, requireColumns(path, opts.csv), count);
    else await readLines(input, lineParser(opts.format, path, count));
  } catch (e) {
    raw.destroy();
    if (e instanceof DatasetInputError) throw e;
    // csv-parse's errors carry the line they stopped at.
    const line = typeof (e as { lines?: unknown }).lines === 'number' ? (e as { lines: number }).lines : 0;
    throw new DatasetInputError(path, line, `cannot be read as ${opts.format}: ${(e as Error).message}`);
  }
  opts.onProgress?.({ bytesRead: size, totalBytes: size, rows });
  if (rows === 0)
    throw new DatasetInputError(path, 0, `no interactions found (is it really ${opts.format}?)`);
  return rows;
}

async function readLines(input: Readable, parse: (line: string, lineNo: number) => void): Promise<void> {
  let lineNo = 0;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    lineNo++;
    if (line.length === 0 || (line.length === 1 && line === '\r')) continue;
    parse(line.endsWith('\r') ? line.slice(0, -1) : line, lineNo);
  }
}

/** Generic delimited files go through csv-parse: quoted fields, embedded delimiters, BOMs. */
async function readDelimited(
  path: string,
  input: Readable,
  cols: CsvColumns,
  sink: EventSink,
): Promise<void> {
  const byName = [cols.user, cols.item, cols.rating].some((c) => typeof c === 'string');
  const header = cols.header ?? byName;
  if (byName && !header)
    throw new DatasetInputError(
      path,
      0,
      'columns are given by name but the file has no header (header: false)',
    );
  const parser = input.pipe(
    parse({
      delimiter: cols.delimiter ?? ',',
      bom: true,
      info: true,
      skip_empty_lines: true,
      relax_quotes: true,
      relax_column_count: true,
    }),
  );
  let positions: { user: number; item: number; rating?: number } | null = null;
  for await (const record of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    const { record: fields, info } = record;
    if (!positions) {
      positions = resolveColumns(path, cols, header ? fields : null, info.lines);
      if (header) continue;
    }
    const need = Math.max(positions.user, positions.item, positions.rating ?? 0) + 1;
    if (fields.length < need)
      throw new DatasetInputError(
        path,
        info.lines,
        `expected at least ${need} fields, found ${fields.length}`,
      );
    const rating =
      positions.rating === undefined ? 1 : parseRating(fields[positions.rating], path, info.lines);
    sink(fields[positions.user], fields[positions.item], rating);
  }
}

function resolveColumns(path: string, cols: CsvColumns, header: string[] | null, line: number) {
  const find = (c: string | number | undefined, role: string): number | undefined => {
    if (c === undefined) return undefined;
    if (typeof c === 'number') {
      if (!Number.isInteger(c) || c < 0)
        throw new DatasetInputError(path, 0, `${role} column index must be an integer >= 0, got ${c}`);
      return c;
    }
    const k = header!.map((h) => h.trim()).indexOf(c);
    if (k < 0)
      throw new DatasetInputError(
        path,
        line,
        `header has no column "${c}" for the ${role} (found ${header!.join(', ')})`,
      );
    return k;
  };
  return {
    user: find(cols.user, 'user')!,
    item: find(cols.item, 'item')!,
    rating: find(cols.rating, 'rating'),
  };
}

function requireColumns(path: string, cols: CsvColumns | undefined): CsvColumns {
  if (!cols)
    throw new DatasetInputError(path, 0, 'format "csv" needs a column mapping (user and item columns)');
  return cols;
}

async function isGzip(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await fh.close();
  }
}
