import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { FilesystemArtifactStore } from '@vaecf/artifacts';
import {
  cancelSweep,
  DatasetStore,
  requireReadyDataset,
  SweepController,
  SweepStore,
  submitSweep,
  type SweepRecord,
  type SweepState,
  type TrialRecord,
  type TrialsQueue,
} from '@vaecf/queue';
import { parseSweepSpec, parseSweepSpecText, TRIAL_STATES } from '@vaecf/sweep';
import { TRIALS_QUEUE } from '../common/tokens';
import { renderReport } from './report';

export interface SweepView extends SweepRecord {
  readonly trials: Record<string, number>;
  readonly best: { trial: number; ndcg100: number } | null;
}

/** Sort keys of the trials list: any epoch metric of the latest epoch, or the record's own fields. */
export const TRIAL_SORT_KEYS = ['best', 'no', 'epochs', 'ndcg100', 'recall20', 'recall50'] as const;

@Injectable()
export class SweepsService {
  constructor(
    private readonly store: SweepStore,
    private readonly datasets: DatasetStore,
    private readonly controller: SweepController,
    private readonly artifacts: FilesystemArtifactStore,
    @Inject(TRIALS_QUEUE) private readonly queue: TrialsQueue,
  ) {}

  /** JSON (already parsed) or YAML text; an Idempotency-Key makes a retry return the first sweep. */
  async submit(body: unknown, idempotencyKey?: string): Promise<{ sweep: SweepView; created: boolean }> {
    const spec = typeof body === 'string' ? parseSweepSpecText(body) : parseSweepSpec(body);
    const { id, created } = await submitSweep(
      spec,
      { store: this.store, controller: this.controller, checkDataset: requireReadyDataset(this.datasets) },
      idempotencyKey,
    );
    return { sweep: await this.get(id), created };
  }

  async list(state?: SweepState): Promise<SweepView[]> {
    const ids = await this.store.listSweepIds(1000);
    const views = await Promise.all(ids.map((id) => this.view(id)));
    return views.filter((v): v is SweepView => v !== null && (!state || v.state === state));
  }

  async get(id: string): Promise<SweepView> {
    const v = await this.view(id);
    if (!v) throw new NotFoundException(`sweep "${id}" not found`);
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

  async delete(id: string): Promise<void> {
    await this.get(id);
    await cancelSweep(id, { store: this.store, queue: this.queue });
    await this.store.deleteSweep(id);
    await this.artifacts.deleteSweep(id);
  }

  async trials(
    id: string,
    sort: (typeof TRIAL_SORT_KEYS)[number] = 'best',
  ): Promise<(TrialRecord & { latest?: unknown })[]> {
    await this.get(id);
    const trials = await this.store.listTrials(id);
    const withLatest = await Promise.all(
      trials.map(async (t) => {
        const history = await this.store.history<{ validation: Record<string, number> }>(id, t.no);
        return { ...t, latest: history.at(-1)?.validation };
      }),
    );
    const key = (t: (typeof withLatest)[number]): number => {
      if (sort === 'no') return -t.no; // ascending by number
      if (sort === 'best' || sort === 'epochs') return t[sort] ?? -Infinity;
      return t.latest?.[sort] ?? -Infinity;
    };
    return withLatest.sort((a, b) => key(b) - key(a));
  }

  async trial(id: string, no: number): Promise<TrialRecord & { history: unknown[] }> {
    await this.get(id);
    const t = await this.store.getTrial(id, no);
    if (!t) throw new NotFoundException(`trial ${no} of sweep "${id}" not found`);
    return { ...t, history: await this.store.history(id, no) };
  }

  /** The self-contained HTML report (leaderboard, curves, best configuration, test metrics, dataset statistics). */
  async report(id: string): Promise<string> {
    const sweep = await this.get(id);
    const trials = await this.store.listTrials(id);
    const withCurves = await Promise.all(
      trials.map(async (t) => ({
        ...t,
        curve: (await this.store.history<{ validation: { ndcg100: number } }>(id, t.no)).map(
          (e) => e.validation.ndcg100,
        ),
      })),
    );
    const datasetId = String(sweep.spec.dataset);
    const dataset = await this.datasets.get(datasetId);
    return renderReport({ sweep, trials: withCurves, dataset: { id: datasetId, stats: dataset?.stats } });
  }

  /** The id of a running sweep on this dataset, if any (a dataset in use cannot be deleted). */
  async activeSweepUsing(datasetId: string): Promise<string | null> {
    for (const id of await this.store.listSweepIds(1000)) {
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
    const counts = Object.fromEntries(
      TRIAL_STATES.map((s) => [s, trials.filter((t) => t.state === s).length]),
    );
    const [best] = await this.store.leaderboard(id, 1);
    return { ...sweep, trials: counts, best: best ? { trial: best.trial, ndcg100: best.best } : null };
  }
}
