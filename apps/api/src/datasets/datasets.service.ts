import { realpathSync, statSync } from 'node:fs';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { PRO_SG_FILES, PRO_SG_ITEMS_FILE } from '@vaecf/cf';
import { publicDataset, publicSourceRef } from '@vaecf/datasets';
import type { ArtifactStore } from '@vaecf/artifacts';
import { registerDataset, type DatasetsQueue } from '@vaecf/orchestration';
import { DatasetStore, type DatasetRecord } from '@vaecf/store';
import { API_CONFIG, ARTIFACTS, DATASETS_QUEUE } from '../common/tokens';
import type { ApiConfig } from '../config';
import type { RegisterDatasetDto, UploadDatasetQueryDto } from './datasets.dto';
import { checkProSgDirectory } from './pro-sg-source';
import { UploadArea } from './upload-area';

@Injectable()
export class DatasetsService {
  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(DATASETS_QUEUE) private readonly queue: DatasetsQueue,
    private readonly datasets: DatasetStore,
    @Inject(ARTIFACTS) private readonly artifacts: ArtifactStore,
  ) {
    this.uploads = new UploadArea(
      config.VAECF_DATA_ROOT,
      config.UPLOAD_LIMIT_BYTES,
      config.UPLOAD_QUOTA_BYTES,
    );
  }

  private readonly uploads: UploadArea;

  async register(dto: RegisterDatasetDto): Promise<DatasetRecord> {
    if (dto.source !== undefined) return this.registerPublic(dto);
    // The schema has made sure a registration without source has a path and a format.
    const source = this.resolveUnderDataRoot(dto.path!, dto.format);
    // An uploaded file belongs to the dataset it was uploaded for (deleting that dataset removes it).
    if (this.uploads.holds(source))
      throw new BadRequestException(
        `path: "${dto.path}" is an uploaded file; upload it again to register it`,
      );
    const { id, path, ...options } = dto;
    return this.registerSource(id, source, path!, options);
  }

  /**
   * A public dataset by name: nothing is stored here, the worker that
   * prepares it downloads it into its host's dataset cache. The options get
   * the catalog's format and preset (the paper's settings where one exists),
   * so the record says exactly how it is prepared.
   */
  private async registerPublic(dto: RegisterDatasetDto): Promise<DatasetRecord> {
    const { id, source, path: _path, ...rest } = dto;
    const d = publicDataset(source!, 'source');
    const options = { ...rest, format: d.format, preset: rest.preset ?? d.preset };
    return this.registerSource(
      id,
      publicSourceRef(d.name),
      `public dataset ${d.name}`,
      withoutUndefined(options),
      false,
    );
  }

  /** `sourceName`: the file as the user knows it (the path given, an upload's name); failure reasons name it. */
  private async registerSource(
    id: string,
    source: string,
    sourceName: string,
    options: Record<string, unknown>,
    storeRaw = true,
  ): Promise<DatasetRecord> {
    const registration = await registerDataset(id, source, options, {
      datasets: this.datasets,
      queue: this.queue,
      sourceName,
      beforeQueue: storeRaw
        ? (generation) => this.storeSource(id, generation, source, options.format)
        : undefined,
    });
    if (!registration) throw alreadyExists(id);
    // A failed registration replaced: its uploaded file (if it was one) and its stored source are no longer anyone's.
    const { replacedSource, generation } = registration;
    if (replacedSource !== undefined) {
      if (replacedSource !== source) await this.uploads.remove(replacedSource);
      await this.artifacts.deleteSources(id, generation - 1);
    }
    return (await this.datasets.get(id))!;
  }

  /**
   * Copies the raw source into the artifact store under the registration, so
   * that a worker on any host can prepare it (the path is on this API's disk
   * only). A source that cannot be read is the client's 400; a store that
   * fails is a 503. Either way the registration is undone by registerDataset.
   */
  private async storeSource(id: string, generation: number, source: string, format: unknown) {
    const only = format === 'pro_sg' ? [PRO_SG_ITEMS_FILE, ...Object.values(PRO_SG_FILES)] : undefined;
    try {
      await this.artifacts.publishSource(id, generation, source, only);
    } catch (e) {
      await this.artifacts.deleteSources(id, generation).catch(() => undefined);
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES' || code === 'EISDIR')
        throw new BadRequestException(`path: the source could not be read (${(e as Error).message})`);
      throw new ServiceUnavailableException(
        `the artifact store (${this.artifacts.describe()}) could not store the source: ${(e as Error).message}`,
      );
    }
    // Deleted while it was copied: the DELETE may have looked before the copy was there.
    if (!(await this.datasets.isCurrent(id, generation))) await this.artifacts.deleteSources(id, generation);
  }

  /**
   * Stores an uploaded ratings file under <data root>/uploads (streamed, never
   * whole in memory, within UPLOAD_LIMIT_BYTES and UPLOAD_QUOTA_BYTES) and
   * registers it; a refused registration (the id taken meanwhile) removes it.
   */
  async upload(query: UploadDatasetQueryDto, body: Readable): Promise<DatasetRecord> {
    const existing = await this.datasets.get(query.id);
    if (existing && existing.state !== 'failed') {
      // Read the body before answering, else the client may be reset before it reads the 409.
      await drain(body);
      throw alreadyExists(query.id);
    }
    const file = await this.uploads.receive(query.id, body);
    try {
      const { id, filename, ...options } = query;
      return await this.registerSource(id, file, filename ?? 'the uploaded file', options);
    } catch (e) {
      await this.uploads.remove(file);
      throw e;
    }
  }

  async list(): Promise<DatasetRecord[]> {
    const ids = await this.datasets.list();
    return (await Promise.all(ids.map((id) => this.datasets.get(id)))).filter(
      (d): d is DatasetRecord => d !== null,
    );
  }

  async get(id: string): Promise<DatasetRecord> {
    const d = await this.datasets.get(id);
    if (!d) throw new NotFoundException(`dataset "${id}" not found`);
    return d;
  }

  async delete(id: string, inUse: (datasetId: string) => Promise<string | null>): Promise<void> {
    const record = await this.get(id);
    const sweep = await inUse(id);
    if (sweep)
      throw new ConflictException(
        `dataset "${id}" is used by sweep ${sweep}; delete or finish that sweep first`,
      );
    // The record first: a preparation still running then finds it gone, writes nothing more and
    // removes what it wrote; the directory removed here is whatever it had finished.
    await this.datasets.delete(id);
    await this.artifacts.deleteDataset(id);
    await this.artifacts.deleteSources(id, record.generation);
    await this.uploads.remove(record.source);
  }

  /**
   * The file a client names must lie under the data root: no "..", no
   * absolute path elsewhere, no symlink leading out (checked on the real path).
   */
  private resolveUnderDataRoot(path: string, format?: string): string {
    const root = realpathOrNull(resolve(this.config.VAECF_DATA_ROOT));
    if (!root)
      throw new BadRequestException(
        `path: the data root ${this.config.VAECF_DATA_ROOT} does not exist on the server`,
      );
    const candidate = isAbsolute(path) ? path : resolve(root, path);
    const real = realpathOrNull(candidate);
    const rel = real ? relative(root, real) : relative(root, resolve(candidate));
    if (rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) {
      throw new BadRequestException(`path: "${path}" is outside the data root`);
    }
    if (real && format === 'pro_sg') return checkProSgDirectory(root, real, path);
    if (!real || !statSync(real).isFile())
      throw new BadRequestException(`path: "${path}" is not a file under the data root`);
    return real;
  }
}

const alreadyExists = (id: string) =>
  new ConflictException(`dataset "${id}" already exists (delete it first; a failed one is replaced)`);

async function drain(body: Readable): Promise<void> {
  await pipeline(
    body,
    new Writable({
      write: (_chunk, _enc, done) => done(),
    }),
  ).catch(() => undefined);
}

function withoutUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function realpathOrNull(p: string): string | null {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
}
