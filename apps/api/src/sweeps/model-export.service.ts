import { StreamableFile } from '@nestjs/common';
import { Injectable } from '@nestjs/common';
import { modelExportBundle, modelExportFormat } from '@vaecf/cf';
import { ModelsService } from './models.service';

/** A sweep's promoted model converted for other tools: GET /sweeps/:id/model?format=tfjs|npz. */
@Injectable()
export class ModelExportService {
  constructor(private readonly models: ModelsService) {}

  async download(sweepId: string, format: unknown): Promise<StreamableFile> {
    // Checked before touching the sweep: an unknown format is a 400 naming the query parameter.
    const f = modelExportFormat(format, 'format');
    const local = await this.models.openModel(sweepId);
    // The bundle is built in memory (tfjs-layers serialises in memory); the lease ends once it is built.
    const { fileName, bytes } = await modelExportBundle(local.dir, f).finally(() => local.release());
    return new StreamableFile(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
      type: f === 'npz' ? 'application/octet-stream' : 'application/zip',
      disposition: `attachment; filename="${sweepId}-${fileName}"`,
    });
  }
}
