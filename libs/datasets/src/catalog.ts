import { InputError, unknownKeyProblem } from '@vaecf/errors';
import type { PresetName, RatingsFormat } from '@vaecf/cf';

/** How a download is checked before anything is extracted from it. */
export type ChecksumSource =
  /** The `<file>.md5` published beside the archive, read at download time (never pinned: latest-small changes). */
  | { readonly kind: 'md5-file' }
  /** A SHA-256 pinned here. */
  | { readonly kind: 'sha256'; readonly hex: string }
  /** Nothing published: only the size the server announces and the zip's own CRC-32s; reported as unverified. */
  | { readonly kind: 'none' };

export interface PublicDataset {
  readonly name: string;
  readonly title: string;
  /** Where the archive lives upstream; with VAECF_DATASET_MIRROR it is read as `<mirror>/<file>`. */
  readonly url: string;
  /** The archive's upstream file name (the last segment of `url`). */
  readonly file: string;
  readonly checksum: ChecksumSource;
  /** The ratings file inside the zip, matched by its last path segment (ml-10m.zip holds ml-10M100K/ratings.dat). */
  readonly entry: string;
  readonly format: RatingsFormat;
  /** The paper's preprocessing where it has a setting (libs/cf PRESETS); otherwise the project's defaults. */
  readonly preset?: PresetName;
  /** The archive's size, for `vaecf fetch --list` only (never checked). */
  readonly approxMB: number;
}

const GROUPLENS = 'https://files.grouplens.org/datasets/movielens';

function movielens(
  name: string,
  title: string,
  entry: string,
  format: RatingsFormat,
  approxMB: number,
  preset?: PresetName,
): PublicDataset {
  const file = `${name}.zip`;
  return {
    name,
    title,
    url: `${GROUPLENS}/${file}`,
    file,
    checksum: { kind: 'md5-file' },
    entry,
    format,
    preset,
    approxMB,
  };
}

/** The public datasets vaecf can download by name. */
export const PUBLIC_DATASETS: readonly PublicDataset[] = [
  movielens('ml-100k', 'MovieLens 100K', 'u.data', 'movielens-100k', 5),
  movielens('ml-1m', 'MovieLens 1M', 'ratings.dat', 'movielens-dat', 6),
  movielens('ml-10m', 'MovieLens 10M', 'ratings.dat', 'movielens-dat', 63),
  movielens('ml-20m', 'MovieLens 20M', 'ratings.csv', 'movielens-csv', 198, 'ml-20m'),
  movielens('ml-25m', 'MovieLens 25M', 'ratings.csv', 'movielens-csv', 262),
  movielens(
    'ml-latest-small',
    'MovieLens latest, small (changes over time)',
    'ratings.csv',
    'movielens-csv',
    1,
  ),
  {
    name: 'msd',
    title: 'Million Song Dataset, Echo Nest taste profile subset',
    url: 'http://labrosa.ee.columbia.edu/millionsong/sites/default/files/challenge/train_triplets.txt.zip',
    file: 'train_triplets.txt.zip',
    // No checksum is published for this file, and none is pinned here (see the README).
    checksum: { kind: 'none' },
    entry: 'train_triplets.txt',
    format: 'msd',
    preset: 'msd',
    approxMB: 500,
  },
];

/** Kaggle needs a login: vaecf cannot download it, and says what to do instead. */
export const NETFLIX_INSTRUCTIONS = [
  'Netflix Prize data needs a Kaggle login, so vaecf cannot download it. Instead:',
  '  1. download https://www.kaggle.com/datasets/netflix-inc/netflix-prize-data (signed in; or',
  '     `kaggle datasets download -d netflix-inc/netflix-prize-data`) and unzip it',
  '  2. cat combined_data_1.txt combined_data_2.txt combined_data_3.txt combined_data_4.txt > netflix.txt',
  '  3. on this machine: vaecf prepare netflix.txt --format netflix-prize --preset netflix --out <dir>',
  '     through the API: put netflix.txt under VAECF_DATA_ROOT, then',
  '     vaecf datasets add netflix netflix.txt --format netflix-prize --preset netflix',
].join('\n');

/** Every name `vaecf fetch` and `source` know, Netflix included (it answers with NETFLIX_INSTRUCTIONS). */
export const PUBLIC_DATASET_NAMES = [...PUBLIC_DATASETS.map((d) => d.name), 'netflix'] as const;

/** The dataset of that name; an InputError for an unknown name (with the nearest) or for Netflix (what to do). */
export function publicDataset(name: string, field = 'name'): PublicDataset {
  const d = PUBLIC_DATASETS.find((x) => x.name === name);
  if (d) return d;
  if (name === 'netflix') throw new InputError(NETFLIX_INSTRUCTIONS, field, NETFLIX_INSTRUCTIONS);
  const problem = unknownKeyProblem(name, PUBLIC_DATASET_NAMES, 'dataset');
  throw new InputError(problem, field, problem);
}

/** A registration by name is stored with this source (registered paths are always absolute). */
const PUBLIC_SOURCE_PREFIX = 'public:';

export function publicSourceRef(name: string): string {
  return `${PUBLIC_SOURCE_PREFIX}${name}`;
}

/** The dataset name of a registration made by name, or null for a file registration. */
export function publicSourceName(source: string): string | null {
  return source.startsWith(PUBLIC_SOURCE_PREFIX) ? source.slice(PUBLIC_SOURCE_PREFIX.length) : null;
}
