import { basename } from 'node:path';
import { formatFromFileName, type RatingsFormat } from './formats';
import { openRatingsFile } from './input';

/**
 * The format of a ratings file: from its name when the name is one of the
 * datasets' own (ratings.csv, ratings.dat, u.data, combined_data_N.txt,
 * train_triplets.txt), otherwise from its first line. Undefined when neither
 * tells (a generic CSV needs an explicit column mapping anyway).
 */
export async function detectRatingsFormat(path: string): Promise<RatingsFormat | undefined> {
  return formatFromFileName(basename(path)) ?? formatFromFirstLine(await firstLine(path));
}

/** Recognises a format by its first line (header or first record); undefined when unsure. */
export function formatFromFirstLine(line: string | undefined): RatingsFormat | undefined {
  if (line === undefined) return undefined;
  const text = line.replace(/^\ufeff/, '').trim();
  const names = text.split(',').map((f) => f.trim());
  const has = (...cols: string[]) => cols.every((c) => names.includes(c));
  if (has('userId', 'movieId', 'rating')) return 'movielens-csv';
  if (has('User_ID', 'Movie_ID', 'Rating')) return 'netflix-kaggle';
  if (/^\d+:$/.test(text)) return 'netflix-prize';
  if (/^[^:]+::[^:]+::[\d.]+(::|$)/.test(text)) return 'movielens-dat';
  const tabs = text.split('\t');
  const numeric = (f: string) => f !== '' && Number.isFinite(Number(f));
  if (tabs.length === 4 && tabs.every(numeric)) return 'movielens-100k';
  // MSD triplets: user hash, song id, integer play count.
  if (tabs.length === 3 && /^\d+$/.test(tabs[2]) && !numeric(tabs[1])) return 'msd';
  return undefined;
}

/** The most of a file read to find its first line: a header is short; a file without newlines is not sniffed whole. */
const SNIFF_BYTES = 64 * 1024;

/** The first non-blank line among the file's first SNIFF_BYTES (decompressed when gzip), or undefined. */
async function firstLine(path: string): Promise<string | undefined> {
  const { raw, text } = await openRatingsFile(path);
  let head = '';
  text.setEncoding('utf8'); // decodes a character split across chunks whole
  try {
    for await (const chunk of text as AsyncIterable<string>) {
      head += chunk;
      const line = head.split(/\r?\n/).find((l, k, all) => l.trim() !== '' && k < all.length - 1);
      if (line !== undefined) return line;
      if (head.length >= SNIFF_BYTES) return undefined;
    }
    return head.trim() === '' ? undefined : head;
  } finally {
    raw.destroy();
    text.destroy();
  }
}
