import type { Engine } from '@vaecf/engine';
import { csrFromRows } from '../data/csr';
import { topK } from '../metrics/top-k';
import { loadBestWeights } from '../train/checkpoint-io';
import type { MultAutoencoder } from '../model/network';
import type { RecVAE } from '../model/recvae/model';
import { scorerFromWeights } from '../model/scorer';

export interface Recommendation {
  readonly item: string;
  readonly score: number;
}

export interface RecommendResult {
  readonly items: Recommendation[];
  /** Ids in the history that the model does not know (ignored for scoring). */
  readonly unknownItems: string[];
}

/**
 * (In serve/, above model/ and train/: it reads a checkpoint, which model/ must not know of;
 * libs/cf/test/import-graph.test.ts keeps the layers.)
 *
 * Top-k items for an item history, from a checkpoint's best weights alone
 * (no dataset needed): the history is the fold-in, its items are never
 * recommended back, and ids are the original ones from the ratings file.
 */
export class Recommender {
  private readonly index: Map<string, number>;

  constructor(
    private readonly model: MultAutoencoder | RecVAE,
    readonly itemIds: readonly string[],
  ) {
    if (itemIds.length !== model.nItems)
      throw new Error(`recommender: ${itemIds.length} item ids for ${model.nItems} items`);
    this.index = new Map(itemIds.map((id, i) => [id, i]));
  }

  static async fromCheckpoint(dir: string, engine: Engine): Promise<Recommender> {
    const best = await loadBestWeights(dir);
    if (!best.itemIds)
      throw new Error(`checkpoint ${dir} has no item ids; it cannot map recommendations to items`);
    return new Recommender(
      await scorerFromWeights(best.config, best.nItems, best.weights, engine),
      best.itemIds,
    );
  }

  async recommend(history: readonly string[], k: number): Promise<RecommendResult> {
    if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a positive integer, got ${k}`);
    const known: number[] = [];
    const unknownItems: string[] = [];
    for (const id of history) {
      const i = this.index.get(id);
      if (i === undefined) unknownItems.push(id);
      else known.push(i);
    }
    const seen = new Set(known);
    const scores = await this.model.score(csrFromRows(this.model.nItems, [known]));
    const top = topK(scores, 0, this.model.nItems, k, (i) => seen.has(i));
    return { items: Array.from(top, (i) => ({ item: this.itemIds[i], score: scores[i] })), unknownItems };
  }

  dispose(): Promise<void> {
    return this.model.dispose();
  }
}
