/** Shapes of the API's answers that the CLI prints. */

/** What the API returns for a sweep (GET /sweeps/:id). */
export interface SweepView {
  id: string;
  state: string;
  planned: number;
  spec: { name?: string; dataset: string; model: string };
  trials: Record<string, number>;
  best: { trial: number; ndcg100: number } | null;
  test?: { ndcg100: number; recall20: number; recall50: number; users: number };
}

export interface TrialView {
  no: number;
  state: string;
  epochs: number;
  best?: number;
  params: Record<string, unknown>;
  reason?: string;
  latest?: { ndcg100: number; recall20: number; recall50: number };
}

/** "1 running, 4 completed, 7 pruned": the states that have trials, in their order. */
export function countsLine(counts: Record<string, number>): string {
  const parts = ['queued', 'running', 'completed', 'pruned', 'failed', 'cancelled']
    .filter((k) => (counts[k] ?? 0) > 0)
    .map((k) => `${counts[k]} ${k}`);
  return parts.length ? parts.join(', ') : 'no trials yet';
}
