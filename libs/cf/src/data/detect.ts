import { basename } from 'node:path';
import { createInterface } from 'node:readline';
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

async function firstLine(path: string): Promise<string | undefined> {
  const { raw, text } = await openRatingsFile(path);
  const lines = createInterface({ input: text, crlfDelay: Infinity });
  try {
    for await (const line of lines) if (line.trim() !== '') return line;
    return undefined;
  } finally {
    lines.close();
    raw.destroy();
  }
}
