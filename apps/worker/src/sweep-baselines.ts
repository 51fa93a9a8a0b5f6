import type { ArtifactStore } from '@vaecf/artifacts';
import {
  comparePerUser,
  defaultBaselineMemoryLimitMb,
  encodePerUser,
  fitBaseline,
  perUserOf,
  type PerUserMetrics,
  type PreparedDataset,
} from '@vaecf/cf';
import { gemmOn, type Engine } from '@vaecf/engine';
import type { BaselineRecord, StoredComparison } from '@vaecf/store';
import { baselinesOf, type SweepSpec } from '@vaecf/sweep';

/** The artifact store's name of a model's per-user test metrics (`best` for the sweep's best trial). */
export const perUserResultName = (model: string) => `per-user-${model}.bin`;

/**
 * The spec's baselines, fitted at finalize on the sweep's dataset (the same
 * split as the trials), each kept with its per-user test metrics, and the
 * best trial compared with each. Run in the finalize job rather than as
 * jobs of their own: finalize already holds the dataset and the best
 * trial's per-user vector, runs once per sweep end (again after an extend),
 * and a failure of one baseline is recorded without failing the sweep.
 */
export async function fitSweepBaselines(
  sweepId: string,
  spec: SweepSpec,
  data: PreparedDataset,
  best: PerUserMetrics,
  deps: { artifacts: ArtifactStore; baselineMemoryLimitBytes?: number },
  /** EASE's dense products run on it (its GEMM: native on onnxruntime). */
  engine: Engine,
  /** Seeds averaged into `best` (recorded on each comparison). */
  seeds = 1,
): Promise<{ baselines: BaselineRecord[]; comparisons: StoredComparison[] }> {
  const baselines: BaselineRecord[] = [];
  const comparisons: StoredComparison[] = [];
  const log = (line: string) => process.stdout.write(`sweep ${sweepId}: ${line}\n`);
  for (const { model, lambdas } of baselinesOf(spec)) {
    let r;
    try {
      r = await fitBaseline(model, data, {
        easeLambdas: lambdas,
        metric: spec.objective.metric,
        memoryLimitBytes: deps.baselineMemoryLimitBytes ?? defaultBaselineMemoryLimitMb() * 2 ** 20,
        perUser: true,
        matMul: gemmOn(engine),
        log,
      });
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      log(`baseline ${model} failed: ${reason}`);
      baselines.push({ model, status: 'failed', reason });
      continue;
    }
    if (r.status === 'skipped') {
      log(`baseline ${model} skipped: ${r.reason}`);
      baselines.push({ model, status: 'skipped', reason: r.reason });
      continue;
    }
    const vector = perUserOf(r.test, best.split);
    await deps.artifacts.putSweepResult(sweepId, perUserResultName(model), encodePerUser(vector));
    const { ndcg100, recall20, recall50, users } = r.test;
    baselines.push({
      model,
      status: 'completed',
      ...(r.lambda !== undefined ? { lambda: r.lambda, grid: r.grid } : {}),
      validation: r.validation,
      test: { ndcg100, recall20, recall50, users },
      seconds: r.seconds,
    });
    log(
      `baseline ${model}${r.lambda !== undefined ? ` (lambda ${r.lambda})` : ''}: test NDCG@100 ${ndcg100.toFixed(4)}`,
    );
    comparisons.push({ against: { kind: 'baseline', model }, seeds, ...comparePerUser(best, vector) });
  }
  return { baselines, comparisons };
}
