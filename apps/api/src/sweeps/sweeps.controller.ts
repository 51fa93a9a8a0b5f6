import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  Header,
  Headers,
  HttpCode,
  Param,
  ParseIntPipe,
  Post,
  Query,
  Res,
  StreamableFile,
} from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiHeader, ApiQuery, ApiTags } from '@nestjs/swagger';
import { MODEL_EXPORT_FORMATS } from '@vaecf/cf';
import { sweepSpecSchema } from '@vaecf/sweep';
import type { Response } from 'express';
import { createZodDto } from 'nestjs-zod';
import { ModelExportService } from './model-export.service';
import { ModelsService } from './models.service';
import { ExtendDto, ListQueryDto } from './extend.dto';
import { RecommendDto } from './recommend.dto';
import { SweepsService, TRIAL_SORT_KEYS } from './sweeps.service';

/** The sweep spec, for the OpenAPI document (requests are validated by the same schema in parseSweepSpec). */
class SweepSpecDto extends createZodDto(sweepSpecSchema) {}

@ApiTags('sweeps')
@Controller('sweeps')
export class SweepsController {
  constructor(
    private readonly sweeps: SweepsService,
    private readonly models: ModelsService,
    private readonly modelExports: ModelExportService,
  ) {}

  @Post()
  @ApiConsumes('application/json', 'application/yaml')
  @ApiBody({ type: SweepSpecDto })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'a retry with the same key returns the first sweep',
  })
  async create(
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    if (key !== undefined && !/^[\w.:-]{1,200}$/.test(key))
      throw new BadRequestException('Idempotency-Key: use 1-200 letters, digits, ".", ":", "_" or "-"');
    const { sweep, created } = await this.sweeps.submit(body, key);
    res.status(created ? 201 : 200);
    return sweep;
  }

  /** A page of sweeps, newest first: `?state=&offset=&limit=` (limit 1-200, default 50). */
  @Get()
  list(@Query() query: ListQueryDto) {
    return this.sweeps.list(query);
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return this.sweeps.get(id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  cancel(@Param('id') id: string) {
    return this.sweeps.cancel(id);
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('id') id: string) {
    this.models.forget(id);
    await this.sweeps.delete(id);
  }

  /** A self-contained HTML page: leaderboard, validation curves (SVG), best configuration, test metrics, dataset statistics. */
  @Get(':id/report')
  @Header('Content-Type', 'text/html; charset=utf-8')
  report(@Param('id') id: string) {
    return this.sweeps.report(id);
  }

  /** The sweep's promoted model (the best trial's checkpoint) as a .tar.gz, or ?format=tfjs|npz. */
  @Get(':id/model')
  @ApiQuery({ name: 'format', required: false, enum: MODEL_EXPORT_FORMATS })
  async model(@Param('id') id: string, @Query('format') format?: string) {
    if (format !== undefined) return this.modelExports.download(id, format);
    return new StreamableFile(await this.models.archive(id), {
      type: 'application/gzip',
      disposition: `attachment; filename="${id}-model.tar.gz"`,
    });
  }

  /** Top-k items for an item history from the sweep's best model; the history is never recommended back. */
  @Post(':id/recommendations')
  @HttpCode(200)
  recommend(@Param('id') id: string, @Body() body: RecommendDto) {
    return this.models.recommend(id, body.items, body.k);
  }

  @Get(':id/trials')
  @ApiQuery({ name: 'sort', required: false, enum: TRIAL_SORT_KEYS })
  trials(@Param('id') id: string, @Query('sort') sort?: string) {
    if (sort !== undefined && !(TRIAL_SORT_KEYS as readonly string[]).includes(sort)) {
      throw new BadRequestException(`sort: must be one of ${TRIAL_SORT_KEYS.join(', ')}`);
    }
    return this.sweeps.trials(id, sort as (typeof TRIAL_SORT_KEYS)[number] | undefined);
  }

  /** Adds configurations to a random or TPE sweep (running or ended); it is finalized again when they end. */
  @Post(':id/extend')
  @HttpCode(200)
  extend(@Param('id') id: string, @Body() body: ExtendDto) {
    return this.sweeps.extend(id, body.trials);
  }

  /** Resumes a cancelled sweep: its cancelled trials continue from their checkpoints. */
  @Post(':id/resume')
  @HttpCode(200)
  resume(@Param('id') id: string) {
    return this.sweeps.resume(id);
  }

  /** The trials as CSV: record, latest validation metrics, one column per hyperparameter. */
  @Get(':id/trials.csv')
  async trialsCsv(@Param('id') id: string, @Res({ passthrough: true }) res: Response) {
    const csv = await this.sweeps.trialsCsv(id);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${id}-trials.csv"`);
    return csv;
  }

  @Get(':id/trials/:no')
  trial(@Param('id') id: string, @Param('no', new ParseIntPipe({ errorHttpStatusCode: 400 })) no: number) {
    return this.sweeps.trial(id, no);
  }
}
