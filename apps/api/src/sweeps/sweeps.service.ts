import {
  ConflictException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import type { ArtifactStore } from '@vaecf/artifacts';
import {
  cancelSweep,
  ArtifactsNotRemovedError,
  deleteSweep,
  extendSweep,
  resumeSweep,
  type ComparisonView,
  type ImportanceView,
  type SubmittedSweepView,
  type SweepPage,
  requireReadyDataset,
  SweepController,
  submitSweep,
  type SweepView,
  type TrialDetailView,
  type TrialsQueue,
  type TrialView,
} from '@vaecf/orchestration';
import {
  DatasetStore,
  type SweepStore,
  type SweepState,
  WorkerRegistry,
  type SweepRecord,
  type TrialRecord,
} from '@vaecf/store';
import {
  parseSweepSpec,
  SpecError,
  parseSweepSpecText,
  PED_ANOVA_MIN_TRIALS,
  pedAnovaImportance,
  scoredTrials,
  TRIAL_STATES,
  configurationOf,
  summarizeConfigurations,
  type TrialState,
} from '@vaecf/sweep';
import { API_CONFIG, ARTIFACTS, SWEEP_STORE, TRIALS_QUEUE } from '../common/tokens';
import type { ApiConfig } from '../config';
import { type EpochPoint, renderReport } from './report';
import { comparisonCsv, sweepComparison } from './comparison';
import { trialsCsv } from './trials-csv';

const notFound = (id: string) => new NotFoundException(`sweep "${id}" not found`);

/** Sort keys of the trials list: any epoch metric of the latest epoch, or the record's own fields. */
export const TRIAL_SORT_KEYS = ['best', 'no', 'epochs', 'ndcg100', 'recall20', 'recall50'] as const;

@Injectable()
export class SweepsService {
  private readonly log = new Logger('sweeps');

  constructor(
    @Inject(SWEEP_STORE) private readonly store: SweepStore,
    private readonly datasets: DatasetStore,
    private readonly controller: SweepController,
    @Inject(ARTIFACTS) private readonly artifacts: ArtifactStore,
    @Inject(TRIALS_QUEUE) private readonly queue: TrialsQueue,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly registry: WorkerRegistry,
  ) {}

  /**
   * JSON (already parsed) or YAML text; an Idempotency-Key makes a retry return the first sweep.
   * `warnings`: what will keep the sweep from running now though it is valid (no live worker can
   * load its fixed engine).
   */
  async submit(
    body: unknown,
    idempotencyKey?: string,
  ): Promise<{ sweep: SubmittedSweepView; created: boolean }> {
    const spec = typeof body === 'string' ? parseSweepSpecText(body) : parseSweepSpec(body);
    const { id, created, warnings } = await submitSweep(
      spec,
      {
        store: this.store,
        controller: this.controller,
        checkDataset: async (id) => {
          const shape = await requireReadyDataset(this.datasets)(id);
          // Ready in Redis but not in this deployment's artifacts (another artifact store, a lost
          // volume or bucket): every trial would fail on it, so the sweep is refused here.
          if (!(await this.artifacts.datasetExists(id)))
            throw new SpecError(
              'dataset',
              `dataset "${id}" is registered, but its prepared files are not in the artifact store (${this.artifacts.describe()}); delete and register it again`,
            );
          return shape;
        },
        trialMemoryLimitBytes: this.config.TRIAL_MEMORY_LIMIT_MB * 2 ** 20,
        liveWorkers: () => this.registry.live(),
      },
      idempotencyKey,
    );
    const sweep = await this.get(id);
    return { sweep: warnings.length ? { ...sweep, warnings } : sweep, created };
  }

  /** A page of sweeps, newest first, from the state indexes (no scan of every sweep). */
  async list(query: { state?: SweepState; offset: number; limit: number }): Promise<SweepPage> {
    const { state, offset, limit } = query;
    const [ids, total] = await Promise.all([
      state
        ? this.store.listSweepIdsInState(state, offset, limit)
        : this.store.listSweepIdsPage(offset, limit),
      this.store.countSweeps(state),
    ]);
    const views = await Promise.all(ids.map((id) => this.view(id)));
    return { sweeps: views.filter((v): v is SweepView => v !== null), total, offset, limit };
  }

  async extend(id: string, trials: number): Promise<SweepView> {
    if (!(await extendSweep(id, trials, this.reopenDeps()))) throw notFound(id);
    return this.get(id);
  }

  async resume(id: string): Promise<SweepView> {
    if (!(await resumeSweep(id, this.reopenDeps()))) throw notFound(id);
    return this.get(id);
  }

  async trialsCsv(id: string): Promise<string> {
    return trialsCsv(await this.trials(id, 'no'));
  }

  /** The best trial against the baselines (and another sweep on the same split): see comparison.ts. */
  async comparison(id: string, other?: string): Promise<ComparisonView> {
    return sweepComparison(id, other, { store: this.store, artifacts: this.artifacts });
  }

  async comparisonCsv(id: string, other?: string): Promise<string> {
    return comparisonCsv(await this.comparison(id, other));
  }

  private reopenDeps() {
    return { store: this.store, controller: this.controller, queue: this.queue };
  }

  async get(id: string): Promise<SweepView> {
    const v = await this.view(id);
    if (!v) throw notFound(id);
    return v;
  }

  /**
   * Idempotent: cancelling a cancelled sweep answers it again (200); a
   * completed or failed sweep has nothing left to cancel (409).
   */
  async cancel(id: string): Promise<SweepView> {
    const { state } = await this.get(id);
    if (state === 'completed' || state === 'failed')
      throw new ConflictException(
        `sweep "${id}" has already ${state === 'failed' ? 'failed' : 'completed'}; there is nothing to cancel`,
      );
    if (!(await cancelSweep(id, { store: this.store, queue: this.queue })))
      throw new NotFoundException(`sweep "${id}" not found`);
    return this.get(id);
  }

  /**
   * Cancels the sweep and removes its records, its jobs (a job a worker holds
   * is left to it) and its artifacts: libs/orchestration delete.ts. Records
   * first, so that a worker still writing a checkpoint of it finds the sweep
   * gone once done and removes what it wrote. Of two DELETEs at once, the
   * second answers 404 or 204. An artifact store that fails is a 503 with the
   * records gone and the delete noted: a DELETE again (or a worker's
   * reconciler) finishes it, and until then the id answers that, not 404.
   */
  async delete(id: string): Promise<void> {
    const deps = {
      store: this.store,
      controller: this.controller,
      queue: this.queue,
      artifacts: this.artifacts,
    };
    try {
      if (!(await deleteSweep(id, deps))) throw notFound(id);
    } catch (e) {
      if (!(e instanceof ArtifactsNotRemovedError)) throw e;
      this.log.warn(`${e.message}: ${e.cause.stack ?? ''}`);
      // The cause's own message may hold server paths: the log has it, the answer says what to do.
      throw new ServiceUnavailableException(
        `sweep "${id}" is deleted, but its artifacts could not be removed from the artifact store ` +
          `(${this.artifacts.describe()}); DELETE /sweeps/${id} again to finish (workers also retry it)`,
      );
    }
  }

  async trials(id: string, sort: (typeof TRIAL_SORT_KEYS)[number] = 'best'): Promise<TrialView[]> {
    const { spec } = await this.get(id);
    const trials = await this.store.listTrials(id);
    const repeats = spec.limits.repeats;
    const configurations = new Map(summarizeConfigurations(trials, repeats).map((c) => [c.configuration, c]));
    const withLatest: TrialView[] = await Promise.all(
      trials.map(async (t) => {
        const history = await this.store.history<{ validation: TrialView['latest'] }>(id, t.no);
        const configuration = t.configuration ?? configurationOf(t.no, repeats);
        const c = configurations.get(configuration);
        const v = history.at(-1)?.validation;
        return {
          ...t,
          configuration,
          ...(c
            ? { seeds: { mean: c.mean, ...(c.sd === undefined ? {} : { sd: c.sd }), count: c.seeds } }
            : {}),
          // The view's three metrics only: an epoch's validation also holds every k and user counts,
          // which the document (docs/openapi.json) does not promise and the e2e test caught leaking.
          latest: v && { ndcg100: v.ndcg100, recall20: v.recall20, recall50: v.recall50 },
        };
      }),
    );
    const key = (t: TrialView): number => {
      if (sort === 'no') return -t.no; // ascending by number
      if (sort === 'epochs') return t.epochs;
      if (sort === 'best') return t.best ?? -Infinity;
      return t.latest?.[sort] ?? -Infinity;
    };
    // By best: configurations by the mean of their seeds (the sweep's ranking), then each one's seeds.
    const mean = (t: TrialView) => (sort === 'best' ? (t.seeds?.mean ?? -Infinity) : 0);
    return withLatest.sort((a, b) => mean(b) - mean(a) || key(b) - key(a) || a.no - b.no);
  }

  async trial(id: string, no: number): Promise<TrialDetailView> {
    await this.get(id);
    const t = await this.store.getTrial(id, no);
    if (!t) throw new NotFoundException(`trial ${no} of sweep "${id}" not found`);
    return { ...t, history: await this.store.history(id, no) };
  }

  /** The self-contained HTML report: every trial's epoch reports, the dataset's statistics (see report.ts). */
  async report(id: string): Promise<string> {
    const sweep = await this.get(id);
    const trials = await this.store.listTrials(id);
    const withHistory = await Promise.all(
      trials.map(async (t) => ({ ...t, history: await this.store.history<EpochPoint>(id, t.no) })),
    );
    const datasetId = sweep.spec.dataset;
    const [dataset, importance] = await Promise.all([this.datasets.get(datasetId), this.importance(id)]);
    return renderReport({
      sweep,
      trials: withHistory,
      dataset: { id: datasetId, stats: dataset?.stats },
      importance:
        !importance.insufficient && Object.keys(importance.importance).length
          ? importance.importance
          : undefined,
    });
  }

  /**
   * Which searched hyperparameters matter (PED-ANOVA, as Optuna's
   * PedAnovaImportanceEvaluator): shares summing to 1, from the completed
   * trials' best values of the objective. With fewer completed trials than
   * PED-ANOVA needs the answer says so (`insufficient`, `needed`) and gives
   * no shares, rather than equal ones that would look like a finding.
   */
  async importance(id: string): Promise<ImportanceView> {
    const { spec } = await this.get(id);
    const scored = scoredTrials(await this.store.trialSnapshots(id, spec.objective.metric));
    const insufficient = scored.length < PED_ANOVA_MIN_TRIALS;
    return {
      method: 'ped-anova',
      metric: spec.objective.metric,
      trials: scored.length,
      needed: PED_ANOVA_MIN_TRIALS,
      insufficient,
      importance:
        !insufficient && Object.keys(spec.space).length ? pedAnovaImportance(scored, spec.space) : {},
    };
  }

  /** The id of a running sweep on this dataset, if any (a dataset in use cannot be deleted). */
  async activeSweepUsing(datasetId: string): Promise<string | null> {
    const active = await Promise.all(
      (['running', 'finalizing'] as const).map((state) => this.store.listSweepIdsInState(state, 0, 100_000)),
    );
    for (const id of active.flat()) {
      const s = await this.store.getSweep(id);
      if (s && (s.state === 'running' || s.state === 'finalizing') && s.spec.dataset === datasetId)
        return s.id;
    }
    return null;
  }

  private async view(id: string): Promise<SweepView | null> {
    const sweep = await this.store.getSweep(id);
    if (!sweep) return null;
    const trials = await this.store.listTrials(id);
    // Every state, by construction.
    const counts = Object.fromEntries(
      TRIAL_STATES.map((s) => [s, trials.filter((t) => t.state === s).length]),
    ) as Record<TrialState, number>;
    const [[top], events] = await Promise.all([this.store.leaderboard(id, 1), this.store.events(id)]);
    const best = sweep.spec.limits.repeats > 1 ? bestOfBestConfiguration(sweep, trials) : top;
    return {
      ...sweep,
      trials: counts,
      best: best ? { trial: best.trial, metric: sweep.spec.objective.metric, value: best.best } : null,
      events,
    };
  }
}

/**
 * With several seeds a configuration, the best so far is the best seed of the
 * configuration with the best mean over its seeds (finalize's choice, once done).
 */
function bestOfBestConfiguration(
  sweep: SweepRecord,
  trials: readonly TrialRecord[],
): { trial: number; best: number } | undefined {
  const [top] = summarizeConfigurations(trials, sweep.spec.limits.repeats);
  if (!top) return undefined;
  const seeds = trials.filter((t) => top.trials.includes(t.no) && t.best !== undefined);
  const chosen =
    seeds.find((t) => t.no === sweep.bestTrial) ?? seeds.sort((a, b) => b.best! - a.best! || a.no - b.no)[0];
  return chosen && { trial: chosen.no, best: chosen.best! };
}
