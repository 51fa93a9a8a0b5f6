import type { Engine, HostTensor, Program } from '@vaecf/engine';
import type { Csr } from '../../data/csr';
import type { Rng } from '../../runtime/rng';
import { adamHyper, adamUpdateArray, type AdamHyper } from '../adam';
import type { TrialConfig } from '../config';
import { glorotUniform, truncatedNormal } from '../init';
import { lossFeeds, type ModelState, type StepLoss } from '../network';
import { buildSparseInput } from '../sparse-input';
import { SparseInputLayer } from '../sparse-layer';
import type { StepTimer } from '../step-phases';
import {
  DEEP_LAYERS,
  recvaeScoringGraph,
  recvaeTrainingGraph,
  type RecvaePhase,
  type RecvaeShape,
} from './graph';

/** One dense parameter of RecVAE with its Adam moments. */
interface Param {
  readonly name: string;
  readonly shape: number[];
  readonly w: Float32Array;
  readonly m: Float32Array;
  readonly v: Float32Array;
}

/** RecVAE's hyperparameters with their defaults filled (config.ts fills them for model recvae). */
export function recvaeSettings(config: TrialConfig) {
  return {
    hidden: config.dims[0],
    latent: config.dims[1],
    klGamma: config.klGamma ?? 0.005,
    klBeta: config.klBeta ?? 0.2,
    encoderPasses: config.encoderPasses ?? 3,
    decoderPasses: config.decoderPasses ?? 1,
    priorWeights: (config.priorWeights ?? [3 / 20, 3 / 4, 1 / 10]) as [number, number, number],
  };
}

/**
 * RecVAE (graph.ts has the network). Like MultAutoencoder, the weights and
 * both Adam optimisers' moments are Float32Arrays held here (what a
 * checkpoint holds), the sparse fc1 and every Adam update run in JavaScript,
 * and the dense rest of a step runs on the engine as one compiled program per
 * phase. Two optimisers: the encoder's (fc1, fc2..5, layer norms, heads) and
 * the decoder's, each with its own step counter. The prior's frozen copy of
 * the encoder is held here too and refreshed by `endEpoch`. Host only: a GPU
 * engine runs the same programs with the weights fed from here.
 */
export class RecVAE {
  readonly shape: RecvaeShape;
  readonly settings: ReturnType<typeof recvaeSettings>;
  private readonly fc1: SparseInputLayer;
  private readonly oldFc1: SparseInputLayer;
  private readonly enc: Param[] = [];
  private readonly dec: Param[] = [];
  /** The prior's encoder copy (graph names prefixed 'o'); fc1's copy is oldFc1. */
  private readonly old = new Map<string, Float32Array>();
  private readonly adam: AdamHyper;
  private tEnc = 0;
  private tDec = 0;
  timer: StepTimer | undefined;
  private readonly programs = new Map<string, Program>();

  constructor(
    readonly config: TrialConfig,
    readonly nItems: number,
    initRng: Rng,
    readonly engine: Engine,
  ) {
    this.settings = recvaeSettings(config);
    const { hidden: H, latent: d, priorWeights } = this.settings;
    this.shape = { nItems, hidden: H, latent: d, priorWeights };
    this.adam = adamHyper(config.lr);
    // Draw order is part of reproducibility: fc1, fc2..fc5, mu head, logvar head, decoder; W then b.
    this.fc1 = new SparseInputLayer(
      nItems,
      H,
      glorotUniform(initRng, nItems, H),
      truncatedNormal(initRng, H, 0.001),
    );
    const dense = (name: string, rows: number, cols: number, into: Param[]) => {
      into.push(param(name, [rows, cols], glorotUniform(initRng, rows, cols)));
      into.push(param(name.replace('W', 'b'), [cols], truncatedNormal(initRng, cols, 0.001)));
    };
    for (const k of DEEP_LAYERS) dense(`W${k}`, H, H, this.enc);
    dense('Wmu', H, d, this.enc);
    dense('Wlv', H, d, this.enc);
    for (let k = 1; k <= 5; k++) {
      this.enc.push(param(`g${k}`, [H], new Float32Array(H).fill(1)));
      this.enc.push(param(`c${k}`, [H], new Float32Array(H)));
    }
    dense('Wd', d, nItems, this.dec);
    this.oldFc1 = new SparseInputLayer(nItems, H, this.fc1.w.slice(), this.fc1.b.slice());
    this.refreshPrior();
  }

  static async create(config: TrialConfig, nItems: number, initRng: Rng, engine: Engine): Promise<RecVAE> {
    return new RecVAE(config, nItems, initRng, engine);
  }

  /** Never resident: see the class comment. */
  get resident(): boolean {
    return false;
  }

  /** Updates of both optimisers so far. */
  get steps(): number {
    return this.tEnc + this.tDec;
  }

  /** The epoch's passes in order: encoderPasses encoder passes, then decoderPasses decoder passes. */
  passes(): RecvaePhase[] {
    const { encoderPasses, decoderPasses } = this.settings;
    return [
      ...Array<RecvaePhase>(encoderPasses).fill('encoder'),
      ...Array<RecvaePhase>(decoderPasses).fill('decoder'),
    ];
  }

  /** End of an epoch: the prior's encoder copy becomes the encoder as it is now. */
  endEpoch(): void {
    this.refreshPrior();
  }

  private refreshPrior(): void {
    this.oldFc1.w.set(this.fc1.w);
    this.oldFc1.b.set(this.fc1.b);
    for (const p of this.enc) this.old.set(`o${p.name}`, p.w.slice());
  }

  /**
   * One Adam step of the phase's optimiser on `batch`: the encoder phase with
   * input dropout (decoder frozen), the decoder phase without (encoder frozen).
   */
  async trainStep(batch: Csr, _beta: number, rng: Rng, phase: RecvaePhase = 'encoder'): Promise<StepLoss> {
    const g = await this.stepGradients(batch, rng, phase);
    if (phase === 'encoder') {
      const t = ++this.tEnc;
      // Backward read the old weights: updates only now.
      for (const p of this.enc) adamUpdateArray(this.adam, t, p.w, g.grads[p.name], p.m, p.v, 0);
      this.timer?.mark('adam');
      this.fc1.update(g.x, g.grads.dA0, this.adam, t, 0);
      this.timer?.mark('sparseBackward');
    } else {
      const t = ++this.tDec;
      for (const p of this.dec) adamUpdateArray(this.adam, t, p.w, g.grads[p.name], p.m, p.v, 0);
      this.timer?.mark('adam');
    }
    return g.loss;
  }

  /** The loss and the phase's gradients by parameter name (fc1 as W1/b1), nothing updated: for gradient checks. */
  async gradients(
    batch: Csr,
    rng: Rng,
    phase: RecvaePhase,
  ): Promise<{ loss: StepLoss; grads: Record<string, Float32Array> }> {
    const g = await this.stepGradients(batch, rng, phase);
    const grads: Record<string, Float32Array> = {};
    for (const p of phase === 'encoder' ? this.enc : this.dec) grads[p.name] = g.grads[p.name].slice();
    if (phase === 'encoder') {
      const gw = new Float32Array(this.fc1.w.length);
      const gb = new Float32Array(this.fc1.b.length);
      this.fc1.accumulateGradients(g.x, g.grads.dA0, gw, gb);
      grads.W1 = gw;
      grads.b1 = gb;
    }
    return { loss: g.loss, grads };
  }

  private async stepGradients(batch: Csr, rng: Rng, phase: RecvaePhase) {
    const B = batch.nRows;
    const { hidden: H, latent: d, klGamma, klBeta } = this.settings;
    // Draws: the dropout mask (encoder phase only), then the noise.
    const x =
      phase === 'encoder'
        ? buildSparseInput(batch, { keepProb: this.config.keepProb, rng })
        : buildSparseInput(batch);
    const eps = new Float32Array(B * d);
    for (let k = 0; k < eps.length; k++) eps[k] = rng.normal();
    const plain = phase === 'encoder' ? buildSparseInput(batch) : x;
    const klRow = new Float32Array(B);
    for (let r = 0; r < B; r++) {
      const n = batch.indptr[r + 1] - batch.indptr[r];
      klRow[r] = (klGamma > 0 ? klGamma * n : klBeta) / B;
    }
    this.timer?.mark('data');
    const a0 = this.fc1.forward(x);
    const oa0 = this.oldFc1.forward(plain);
    this.timer?.mark('sparseForward');
    const program = await this.program(phase);
    const feeds: Record<string, HostTensor> = {
      a0: { data: a0, shape: [B, H] },
      oa0: { data: oa0, shape: [B, H] },
      eps: { data: eps, shape: [B, d] },
      klRow: { data: klRow, shape: [B, 1] },
      ...lossFeeds(batch, this.nItems),
    };
    for (const p of [...this.enc, ...this.dec]) feeds[p.name] = { data: p.w, shape: p.shape };
    for (const p of this.enc) feeds[`o${p.name}`] = { data: this.old.get(`o${p.name}`)!, shape: p.shape };
    const out = await program.run(feeds);
    this.timer?.mark('engineStep');
    const grads: Record<string, Float32Array> = {};
    for (const p of phase === 'encoder' ? this.enc : this.dec) grads[p.name] = out[`d${p.name}`];
    if (phase === 'encoder') grads.dA0 = out.dA0;
    const nll = out.nllSum[0] / B;
    const loss: StepLoss = { nll, kl: out.klSum[0] / B, loss: nll + out.klWeighted[0] };
    return { x, grads, loss };
  }

  private async program(kind: RecvaePhase | 'score'): Promise<Program> {
    let p = this.programs.get(kind);
    if (!p) {
      p = await this.engine.compile(
        kind === 'score' ? recvaeScoringGraph(this.shape) : recvaeTrainingGraph(this.shape, kind),
      );
      this.programs.set(kind, p);
    }
    return p;
  }

  /** Logits of every item for each user of `foldIn` (no dropout, z = mu). */
  async score(foldIn: Csr): Promise<Float32Array> {
    const x = buildSparseInput(foldIn);
    const a0 = this.fc1.forward(x);
    const feeds: Record<string, HostTensor> = { a0: { data: a0, shape: [x.rows, this.settings.hidden] } };
    for (const p of [...this.enc, ...this.dec]) feeds[p.name] = { data: p.w, shape: p.shape };
    const { logits } = await (await this.program('score')).run(feeds);
    return logits;
  }

  /** Everything a resume needs: weights, both optimisers' moments and counters, the prior's copy. */
  async getState(): Promise<ModelState> {
    const tensors = this.weightTensors();
    const f = this.fc1;
    Object.assign(tensors, {
      'W1/m': f.mW.slice(),
      'W1/v': f.vW.slice(),
      'b1/m': f.mB.slice(),
      'b1/v': f.vB.slice(),
      'prior/W1': this.oldFc1.w.slice(),
      'prior/b1': this.oldFc1.b.slice(),
      'adam/encoder/t': Float32Array.of(this.tEnc),
      'adam/decoder/t': Float32Array.of(this.tDec),
    });
    for (const p of [...this.enc, ...this.dec]) {
      tensors[`${p.name}/m`] = p.m.slice();
      tensors[`${p.name}/v`] = p.v.slice();
    }
    for (const p of this.enc) tensors[`prior/${p.name}`] = this.old.get(`o${p.name}`)!.slice();
    return { steps: this.steps, tensors };
  }

  /** The weights scoring needs (encoder and decoder; not the prior's copy). */
  async getWeights(): Promise<ModelState> {
    return { steps: this.steps, tensors: this.weightTensors() };
  }

  private weightTensors(): Record<string, Float32Array> {
    const tensors: Record<string, Float32Array> = { W1: this.fc1.w.slice(), b1: this.fc1.b.slice() };
    for (const p of [...this.enc, ...this.dec]) tensors[p.name] = p.w.slice();
    return tensors;
  }

  setState(state: ModelState, weightsOnly = false): void {
    const get = (name: string, into: Float32Array) => {
      const v = state.tensors[name];
      if (!v) throw new Error(`RecVAE state lacks "${name}"`);
      if (v.length !== into.length)
        throw new Error(`RecVAE state "${name}" has ${v.length} values, expected ${into.length}`);
      into.set(v);
    };
    const f = this.fc1;
    get('W1', f.w);
    get('b1', f.b);
    for (const p of [...this.enc, ...this.dec]) get(p.name, p.w);
    if (weightsOnly) return;
    get('W1/m', f.mW);
    get('W1/v', f.vW);
    get('b1/m', f.mB);
    get('b1/v', f.vB);
    for (const p of [...this.enc, ...this.dec]) {
      get(`${p.name}/m`, p.m);
      get(`${p.name}/v`, p.v);
    }
    get('prior/W1', this.oldFc1.w);
    get('prior/b1', this.oldFc1.b);
    for (const p of this.enc) get(`prior/${p.name}`, this.old.get(`o${p.name}`)!);
    const counter = (name: string) => {
      const v = state.tensors[name];
      if (!v || v.length !== 1) throw new Error(`RecVAE state lacks "${name}"`);
      return v[0];
    };
    this.tEnc = counter('adam/encoder/t');
    this.tDec = counter('adam/decoder/t');
  }

  async dispose(): Promise<void> {
    const all = [...this.programs.values()];
    this.programs.clear();
    await Promise.all(all.map((p) => p.dispose()));
  }
}

function param(name: string, shape: number[], w: Float32Array): Param {
  return { name, shape, w, m: new Float32Array(w.length), v: new Float32Array(w.length) };
}
