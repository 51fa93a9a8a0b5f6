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
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiHeader,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { MODEL_EXPORT_FORMATS } from '@vaecf/cf';
import type { RecommendationsView } from '@vaecf/orchestration';
import { sweepSpecSchema } from '@vaecf/sweep';
import type { Response } from 'express';
import { createZodDto } from 'nestjs-zod';
import { ID_PARAM } from '../common/id.pipe';
import { ApiRoute } from '../common/openapi';
import {
  ComparisonDto,
  ImportanceDto,
  RecommendationsDto,
  SweepPageDto,
  SubmittedSweepDto,
  SweepViewDto,
  TrialDto,
  TrialRowDto,
} from '../common/openapi-views';
import { ExtendDto, ListQueryDto } from './extend.dto';
import { ModelExportService } from './model-export.service';
import { ModelsService } from './models.service';
import { RecommendDto } from './recommend.dto';
import { SweepsService, TRIAL_SORT_KEYS } from './sweeps.service';

const TRIAL_NO = new ParseIntPipe({
  exceptionFactory: () => new BadRequestException('no: must be a trial number (an integer)'),
});

/** `?other=`: one sweep id (a repeated parameter arrives as an array). */
function otherSweep(other: unknown): string | undefined {
  if (other === undefined) return undefined;
  if (typeof other !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(other))
    throw new BadRequestException('other: one sweep id (letters, digits, ".", "_" and "-", max 128)');
  return other;
}

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
  @ApiRoute(
    'Submit a sweep (JSON or YAML spec)',
    { status: 201, description: 'the sweep, created and started', type: SubmittedSweepDto },
    [400, 408, 413, 415, 422],
  )
  @ApiResponse({
    status: 200,
    description: 'an Idempotency-Key seen before: the first sweep',
    type: SweepViewDto,
  })
  @ApiConsumes('application/json', 'application/yaml')
  @ApiBody({ type: SweepSpecDto })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'a retry with the same key and the same spec returns the first sweep; the same key with another spec is a 422',
  })
  async create(
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    if (key !== undefined && !/^[\w.:-]{1,200}$/.test(key))
      throw new BadRequestException('Idempotency-Key: use 1-200 letters, digits, ".", ":", "_" or "-"');
    // No body parser took it: the content type is neither JSON nor YAML.
    if (body === undefined)
      throw new UnsupportedMediaTypeException(
        'content-type: send the spec as application/json or application/yaml',
      );
    const { sweep, created } = await this.sweeps.submit(body, key);
    res.status(created ? 201 : 200);
    return sweep;
  }

  /** A page of sweeps, newest first: `?state=&offset=&limit=` (limit 1-200, default 50). */
  @Get()
  @ApiRoute('List sweeps, newest first, a page at a time', { status: 200, type: SweepPageDto }, [400])
  list(@Query() query: ListQueryDto) {
    return this.sweeps.list(query);
  }

  @Get(':id')
  @ApiRoute(
    'One sweep: state, trial counts, best trial, test metrics',
    { status: 200, type: SweepViewDto },
    [400, 404],
  )
  get(@Param('id', ID_PARAM) id: string) {
    return this.sweeps.get(id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiRoute(
    'Cancel a sweep (idempotent: a cancelled sweep answers 200 again)',
    {
      status: 200,
      description: 'the sweep, cancelled; running trials stop at their next epoch',
      type: SweepViewDto,
    },
    [400, 404, 409],
  )
  cancel(@Param('id', ID_PARAM) id: string) {
    return this.sweeps.cancel(id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiRoute(
    'Delete a sweep with its trials, jobs and artifacts (cancelled first; its running trials stop at the epoch in hand)',
    { status: 204, description: 'deleted' },
    [400, 404, 409],
  )
  async delete(@Param('id', ID_PARAM) id: string) {
    this.models.forget(id);
    await this.sweeps.delete(id);
  }

  /** A self-contained HTML page: leaderboard, validation curves (SVG), best configuration, test metrics, dataset statistics. */
  @Get(':id/report')
  @ApiRoute(
    'The HTML report of a sweep',
    { status: 200, description: 'a self-contained HTML page', schema: { type: 'string' } },
    [400, 404],
  )
  @ApiProduces('text/html')
  @Header('Content-Type', 'text/html; charset=utf-8')
  report(@Param('id', ID_PARAM) id: string) {
    return this.sweeps.report(id);
  }

  /** The sweep's promoted model (the best trial's checkpoint) as a .tar.gz. */
  @Get(':id/model')
  @ApiRoute(
    "The sweep's promoted model: its checkpoint as a .tar.gz, or exported (`format=tfjs` zip, `format=npz`)",
    { status: 200, description: "the best trial's model", schema: { type: 'string', format: 'binary' } },
    [400, 404, 409],
  )
  @ApiQuery({ name: 'format', required: false, enum: MODEL_EXPORT_FORMATS })
  @ApiProduces('application/gzip', 'application/zip', 'application/octet-stream')
  async model(@Param('id', ID_PARAM) id: string, @Query('format') format?: string) {
    if (format !== undefined) return this.modelExports.download(id, format);
    return new StreamableFile(await this.models.archive(id), {
      type: 'application/gzip',
      disposition: `attachment; filename="${id}-model.tar.gz"`,
    });
  }

  /** Top-k items for an item history from the sweep's best model; the history is never recommended back. */
  @Post(':id/recommendations')
  @HttpCode(200)
  @ApiRoute(
    "Top-k items for an item history, from the sweep's best model",
    { status: 200, type: RecommendationsDto },
    [400, 404, 409, 413, 415],
  )
  recommend(@Param('id', ID_PARAM) id: string, @Body() body: RecommendDto): Promise<RecommendationsView> {
    return this.models.recommend(id, body.items, body.k);
  }

  @Get(':id/trials')
  @ApiRoute('The leaderboard: trials of a sweep, sorted', { status: 200, type: [TrialRowDto] }, [400, 404])
  @ApiQuery({ name: 'sort', required: false, enum: TRIAL_SORT_KEYS })
  trials(@Param('id', ID_PARAM) id: string, @Query('sort') sort?: string) {
    if (sort !== undefined && !(TRIAL_SORT_KEYS as readonly string[]).includes(sort)) {
      throw new BadRequestException(`sort: must be one of ${TRIAL_SORT_KEYS.join(', ')}`);
    }
    return this.sweeps.trials(id, sort as (typeof TRIAL_SORT_KEYS)[number] | undefined);
  }

  @Post(':id/extend')
  @HttpCode(200)
  @ApiRoute(
    'Add configurations to a random or TPE sweep (running, completed or failed; a cancelled one is resumed first, 409 otherwise); it is finalized again when they end',
    { status: 200, type: SweepViewDto },
    [400, 404, 409, 413, 415],
  )
  extend(@Param('id', ID_PARAM) id: string, @Body() body: ExtendDto) {
    return this.sweeps.extend(id, body.trials);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiRoute(
    'Resume a cancelled sweep: its cancelled trials continue from their checkpoints',
    { status: 200, type: SweepViewDto },
    [400, 404, 409],
  )
  resume(@Param('id', ID_PARAM) id: string) {
    return this.sweeps.resume(id);
  }

  @Get(':id/trials.csv')
  @ApiRoute(
    'Every trial as CSV: record, latest validation metrics, one column per hyperparameter',
    { status: 200, description: 'text/csv with a header row', schema: { type: 'string' } },
    [400, 404],
  )
  @ApiProduces('text/csv')
  async trialsCsv(@Param('id', ID_PARAM) id: string, @Res({ passthrough: true }) res: Response) {
    const csv = await this.sweeps.trialsCsv(id);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${id}-trials.csv"`);
    return csv;
  }

  @Get(':id/comparison')
  @ApiRoute(
    'The best trial against the baselines (and another sweep on the same split): paired mean differences of the per-user test metrics, 95% bootstrap intervals, Wilcoxon p-values',
    { status: 200, type: ComparisonDto },
    [400, 404, 409],
  )
  @ApiQuery({
    name: 'other',
    required: false,
    description: 'another completed sweep tested on the same split',
  })
  comparison(@Param('id', ID_PARAM) id: string, @Query('other') other?: string) {
    return this.sweeps.comparison(id, otherSweep(other));
  }

  @Get(':id/comparison.csv')
  @ApiRoute(
    'The comparison as CSV: one row per reference and metric, with the bootstrap seed',
    { status: 200, description: 'text/csv with a header row', schema: { type: 'string' } },
    [400, 404, 409],
  )
  @ApiQuery({
    name: 'other',
    required: false,
    description: 'another completed sweep tested on the same split',
  })
  @ApiProduces('text/csv')
  async comparisonCsv(
    @Param('id', ID_PARAM) id: string,
    @Res({ passthrough: true }) res: Response,
    @Query('other') other?: string,
  ) {
    const csv = await this.sweeps.comparisonCsv(id, otherSweep(other));
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${id}-comparison.csv"`);
    return csv;
  }

  @Get(':id/importance')
  @ApiRoute(
    'Hyperparameter importance (PED-ANOVA over the completed trials)',
    { status: 200, type: ImportanceDto },
    [400, 404],
  )
  importance(@Param('id', ID_PARAM) id: string) {
    return this.sweeps.importance(id);
  }

  @Get(':id/trials/:no')
  @ApiRoute('One trial with its per-epoch history', { status: 200, type: TrialDto }, [400, 404])
  trial(@Param('id', ID_PARAM) id: string, @Param('no', TRIAL_NO) no: number) {
    return this.sweeps.trial(id, no);
  }
}
