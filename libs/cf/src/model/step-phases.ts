/**
 * The parts of one training step, in the order a step runs them. engineStep
 * is the engine's program: the dense forward pass, the loss and the dense
 * backward pass; adam is the dense layers' updates; sparseBackward includes
 * the first layer's Adam update (one sweep with its gradient).
 */
export const STEP_PHASES = ['data', 'sparseForward', 'engineStep', 'adam', 'sparseBackward'] as const;
export type StepPhase = (typeof STEP_PHASES)[number];

/**
 * Wall time per phase of the training steps it watches, for the benchmark's
 * breakdown. Each `mark(phase)` charges the time since the previous mark to
 * that phase. Honest because each phase ends when its work is done: an
 * engine's program run resolves once its outputs are on the host.
 */
export class StepTimer {
  readonly ms: Record<StepPhase, number> = Object.fromEntries(STEP_PHASES.map((p) => [p, 0])) as Record<
    StepPhase,
    number
  >;
  steps = 0;
  private last = 0;

  /**
   * `clock` in milliseconds: wall time by default; the benchmark passes the
   * process's CPU time, which other processes sharing the cores disturb far less.
   */
  constructor(private readonly clock: () => number = () => performance.now()) {}

  /** Called as a step begins (before its minibatch is assembled). */
  start(): void {
    this.last = this.clock();
  }

  mark(phase: StepPhase): void {
    const now = this.clock();
    this.ms[phase] += now - this.last;
    this.last = now;
  }

  /** Milliseconds of all the steps watched. */
  total(): number {
    return STEP_PHASES.reduce((s, p) => s + this.ms[p], 0);
  }

  /** Milliseconds per step of each phase. */
  perStep(): Record<StepPhase, number> {
    const n = Math.max(1, this.steps);
    return Object.fromEntries(STEP_PHASES.map((p) => [p, this.ms[p] / n])) as Record<StepPhase, number>;
  }
}
