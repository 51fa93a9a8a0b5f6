import { randomBytes } from 'node:crypto';
import { createWriteStream, realpathSync, statSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  NotFoundException,
  PayloadTooLargeException,
} from '@nestjs/common';
import { FilesystemArtifactStore } from '@vaecf/artifacts';
import { DatasetStore, registerDataset, type DatasetRecord, type DatasetsQueue } from '@vaecf/queue';
import { API_CONFIG, DATASETS_QUEUE } from '../common/tokens';
import type { ApiConfig } from '../config';
import type { RegisterDatasetDto, UploadDatasetQueryDto } from './datasets.dto';
import { checkProSgDirectory } from './pro-sg-source';

@Injectable()
export class DatasetsService {
  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(DATASETS_QUEUE) private readonly queue: DatasetsQueue,
    private readonly datasets: DatasetStore,
    private readonly artifacts: FilesystemArtifactStore,
  ) {}

  async register(dto: RegisterDatasetDto): Promise<DatasetRecord> {
    const source = this.resolveUnderDataRoot(dto.path, dto.format);
    const { id, path: _path, ...options } = dto;
    const created = await registerDataset(id, source, options, {
      datasets: this.datasets,
      queue: this.queue,
    });
    if (!created) throw new ConflictException(`dataset "${id}" already exists`);
    return (await this.datasets.get(id))!;
  }

  /**
   * Stores an uploaded ratings file under <data root>/uploads (streamed, never
   * whole in memory, refused past UPLOAD_LIMIT_BYTES) and registers it.
   */
  async upload(query: UploadDatasetQueryDto, body: Readable): Promise<DatasetRecord> {
    if (await this.datasets.get(query.id))
      throw new ConflictException(`dataset "${query.id}" already exists`);
    const dir = join(resolve(this.config.VAECF_DATA_ROOT), 'uploads');
    await mkdir(dir, { recursive: true });
    const file = join(dir, `${query.id}-${randomBytes(4).toString('hex')}.upload`);
    const limit = this.config.UPLOAD_LIMIT_BYTES;
    const tooLarge = () => new PayloadTooLargeException(`upload larger than the limit of ${limit} bytes`);
    let bytes = 0;
    let over =
      Number((body as Readable & { headers?: Record<string, string> }).headers?.['content-length'] ?? 0) >
      limit;
    // Past the limit the rest of the body is read and dropped before answering 413: answering while the
    // client still sends would reset its connection before it reads the answer.
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        over ||= bytes > limit;
        done(null, over ? undefined : chunk);
      },
    });
    try {
      await pipeline(body, counter, createWriteStream(file));
    } catch (e) {
      await rm(file, { force: true });
      throw e;
    }
    if (over) {
      await rm(file, { force: true });
      throw tooLarge();
    }
    if (bytes === 0) {
      await rm(file, { force: true });
      throw new BadRequestException('body: the uploaded file is empty');
    }
    return this.register({ ...query, path: relative(resolve(this.config.VAECF_DATA_ROOT), file) });
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
    await this.get(id);
    const sweep = await inUse(id);
    if (sweep)
      throw new ConflictException(
        `dataset "${id}" is used by sweep ${sweep}; delete or finish that sweep first`,
      );
    await this.artifacts.deleteDataset(id);
    await this.datasets.delete(id);
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

function realpathOrNull(p: string): string | null {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
}
