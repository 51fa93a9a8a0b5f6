import type { Csr } from './csr';

/**
 * Held-out users of one split (validation or test). Both matrices have one row
 * per held-out user, in the same order, over the training item set:
 * `foldIn` is what the model sees (80%), `heldOut` what it must rank (20%).
 * A user with fewer than 5 items keeps all of them as fold-in and has an empty
 * held-out row (as the paper's code does); evaluation skips and counts them.
 */
export interface HeldOutSplit {
  readonly foldIn: Csr;
  readonly heldOut: Csr;
  /** Original user ids, one per row. */
  readonly userIds: readonly string[];
}

/** A prepared dataset: everything training and evaluation need, in memory. */
export interface PreparedDataset {
  /** Number of items (columns of every matrix): the items of the training users. */
  readonly nItems: number;
  /** Training users x items. */
  readonly train: Csr;
  readonly trainUserIds: readonly string[];
  readonly validation: HeldOutSplit;
  readonly test: HeldOutSplit;
  /** Original item id of each item index. */
  readonly itemIds: readonly string[];
  /** Free-form description of how it was made and what it holds (statistics, options). */
  readonly meta: DatasetMeta;
}

export interface DatasetMeta {
  readonly formatVersion: number;
  readonly createdAt: string;
  readonly source?: { readonly path?: string; readonly format?: string };
  readonly options?: Record<string, unknown>;
  readonly stats?: Record<string, unknown>;
}
