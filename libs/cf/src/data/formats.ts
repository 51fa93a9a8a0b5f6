import { DatasetInputError } from './errors';

export const RATINGS_FORMATS = [
  'movielens-csv',
  'movielens-dat',
  'movielens-100k',
  'netflix-kaggle',
  'netflix-prize',
  'msd',
  'csv',
] as const;
export type RatingsFormat = (typeof RATINGS_FORMATS)[number];

export function isRatingsFormat(x: unknown): x is RatingsFormat {
  return (RATINGS_FORMATS as readonly unknown[]).includes(x);
}

/** Column mapping of a generic delimited file: a header name or a 0-based index per column. */
export interface CsvColumns {
  readonly user: string | number;
  readonly item: string | number;
  /** Without a rating column every row counts as an interaction. */
  readonly rating?: string | number;
  readonly delimiter?: string;
  /** Whether the first line is a header (default: true when any column is given by name). */
  readonly header?: boolean;
}

/** Receives one interaction. */
export type EventSink = (user: string, item: string, rating: number) => void;

/**
 * Parses one line of a line-oriented format; `lineNo` is 1-based. A parser
 * may keep state between lines (netflix-prize's current movie).
 */
export type LineParser = (line: string, lineNo: number) => void;

interface FixedLayout {
  readonly delimiter: string;
  /** Header names of user, item, rating when the file starts with a header. */
  readonly header?: readonly [string, string, string];
  /** Positions of user, item, rating without a header. */
  readonly positions?: readonly [number, number, number];
}

const LAYOUTS: Record<Exclude<RatingsFormat, 'netflix-prize' | 'csv'>, FixedLayout> = {
  'movielens-csv': { delimiter: ',', header: ['userId', 'movieId', 'rating'] },
  'movielens-dat': { delimiter: '::', positions: [0, 1, 2] },
  'movielens-100k': { delimiter: '\t', positions: [0, 1, 2] },
  'netflix-kaggle': { delimiter: ',', header: ['User_ID', 'Movie_ID', 'Rating'] },
  msd: { delimiter: '\t', positions: [0, 1, 2] },
};

/** Guesses the format from a file name; undefined when the name says nothing. */
export function formatFromFileName(name: string): RatingsFormat | undefined {
  const base = name.toLowerCase().replace(/\.gz$/, '');
  if (base.endsWith('ratings.csv')) return 'movielens-csv';
  if (base.endsWith('.dat')) return 'movielens-dat';
  if (base.endsWith('u.data')) return 'movielens-100k';
  if (/combined_data_\d+\.txt$/.test(base)) return 'netflix-prize';
  if (base.endsWith('train_triplets.txt')) return 'msd';
  // Kaggle's Netflix copy ships as Netflix_Dataset_Rating.csv.
  if (/netflix[^/]*rating[^/]*\.csv$/.test(base)) return 'netflix-kaggle';
  return undefined;
}

/** A parser for the line-oriented formats (everything but quoted generic CSV). */
export function lineParser(format: Exclude<RatingsFormat, 'csv'>, file: string, sink: EventSink): LineParser {
  if (format === 'netflix-prize') return netflixPrizeParser(file, sink);
  const layout = LAYOUTS[format];
  let positions = layout.positions;
  // Fields a data line must have: up to the last of user, item, rating (a header may put them anywhere).
  let need = positions ? Math.max(...positions) + 1 : 0;
  return (line, lineNo) => {
    const fields = line.split(layout.delimiter);
    if (!positions) {
      positions = headerPositions(layout.header!, fields, file, lineNo);
      need = Math.max(...positions) + 1;
      return;
    }
    if (fields.length < need) {
      throw new DatasetInputError(
        file,
        lineNo,
        `expected ${need} fields separated by "${layout.delimiter}", found ${fields.length}`,
      );
    }
    const [u, i, r] = positions;
    sink(
      requireId(fields[u], 'user', file, lineNo),
      requireId(fields[i], 'item', file, lineNo),
      parseRating(fields[r], file, lineNo),
    );
  };
}

function headerPositions(
  names: readonly string[],
  fields: string[],
  file: string,
  lineNo: number,
): [number, number, number] {
  const at = names.map((n) => fields.map((f) => f.trim()).indexOf(n));
  const missing = names.filter((_, k) => at[k] < 0);
  if (missing.length)
    throw new DatasetInputError(
      file,
      lineNo,
      `header lacks column ${missing.map((m) => `"${m}"`).join(', ')} (found ${fields.join(',')})`,
    );
  return at as [number, number, number];
}

/** combined_data_*.txt: a `MovieID:` line, then `CustomerID,Rating,Date` lines for that movie. */
function netflixPrizeParser(file: string, sink: EventSink): LineParser {
  let movie: string | null = null;
  return (line, lineNo) => {
    if (line.endsWith(':')) {
      movie = requireId(line.slice(0, -1), 'movie', file, lineNo);
      return;
    }
    if (movie === null) throw new DatasetInputError(file, lineNo, 'rating line before any "MovieID:" line');
    const fields = line.split(',');
    if (fields.length < 2)
      throw new DatasetInputError(
        file,
        lineNo,
        `expected CustomerID,Rating,Date, found ${fields.length} field(s)`,
      );
    sink(requireId(fields[0], 'user', file, lineNo), movie, parseRating(fields[1], file, lineNo));
  };
}

export function parseRating(text: string | undefined, file: string, lineNo: number): number {
  const r = text === undefined || text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(r))
    throw new DatasetInputError(file, lineNo, `rating "${text ?? ''}" is not a number`);
  return r;
}

/** An id field must not be blank: an empty id would silently merge unrelated rows into one user or item. */
export function requireId(text: string | undefined, role: string, file: string, lineNo: number): string {
  // trim() only when the id starts with a space or control character: this runs twice per row.
  if (text === undefined || text.length === 0 || (text.charCodeAt(0) <= 32 && text.trim() === ''))
    throw new DatasetInputError(file, lineNo, `empty ${role} id`);
  return text;
}
