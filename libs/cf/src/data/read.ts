import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { DatasetInputError } from './errors';
import {
  isRatingsFormat,
  lineParser,
  parseRating,
  RATINGS_FORMATS,
  requireId,
  type CsvColumns,
  type EventSink,
  type RatingsFormat,
} from './formats';
import { openRatingsFile } from './input';

export interface ReadProgress {
  /** Bytes of the file read so far (compressed bytes for gzip), against totalBytes. */
  readonly bytesRead: number;
  readonly totalBytes: number;
  /** Interactions parsed so far. */
  readonly rows: number;
}

export interface ReadOptions {
  readonly format: RatingsFormat;
  readonly csv?: CsvColumns;
  readonly onProgress?: (p: ReadProgress) => void;
}

/** Progress is reported about every this many bytes (and once at the end). */
const PROGRESS_EVERY = 8 << 20;

/**
 * Streams every interaction of a ratings file into `sink`, never holding the
 * file in memory; gzip is detected by its magic bytes. Returns the number of
 * interactions read. Throws DatasetInputError (file, line, problem) on bad
 * input, including an unknown format and a file with no interactions at all.
 */
export async function readInteractions(path: string, opts: ReadOptions, sink: EventSink): Promise<number> {
  // Checked here too: JS callers and JSON job payloads bypass the type.
  if (!isRatingsFormat(opts.format))
    throw new DatasetInputError(
      path,
      0,
      `unknown format ${JSON.stringify(opts.format)} (known: ${RATINGS_FORMATS.join(', ')})`,
    );
  const csv = opts.format === 'csv' ? requireColumns(path, opts.csv) : undefined;
  const { size, raw, text } = await openRatingsFile(path);
  let bytesRead = 0;
  let rows = 0;
  let lastReport = 0;
  raw.on('data', (chunk) => {
    bytesRead += chunk.length;
    if (opts.onProgress && bytesRead - lastReport >= PROGRESS_EVERY) {
      lastReport = bytesRead;
      opts.onProgress({ bytesRead, totalBytes: size, rows });
    }
  });
  const count: EventSink = (u, i, r) => {
    rows++;
    sink(u, i, r);
  };
  try {
    if (csv) await readDelimited(path, text, csv, count);
    else await readLines(text, lineParser(opts.format as Exclude<RatingsFormat, 'csv'>, path, count));
  } catch (e) {
    raw.destroy();
    if (e instanceof DatasetInputError) throw e;
    // csv-parse's errors carry the line they stopped at; zlib's (a truncated .gz) do not.
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
    sink(
      requireId(fields[positions.user], 'user', path, info.lines),
      requireId(fields[positions.item], 'item', path, info.lines),
      rating,
    );
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
