import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import { ApiBody, ApiConsumes, ApiTags } from '@nestjs/swagger';
import { ID_PARAM } from '../common/id.pipe';
import { ApiRoute } from '../common/openapi';
import { DatasetDto } from '../common/openapi-views';
import { SweepsService } from '../sweeps/sweeps.service';
import { RegisterDatasetDto, UploadDatasetQueryDto } from './datasets.dto';
import { DatasetsService } from './datasets.service';

@ApiTags('datasets')
@Controller('datasets')
export class DatasetsController {
  constructor(
    private readonly datasets: DatasetsService,
    private readonly sweeps: SweepsService,
  ) {}

  @Post()
  @ApiRoute(
    'Register a ratings file under the data root and queue its preparation',
    {
      status: 201,
      description: 'the dataset as read back once queued (a worker may already be preparing it)',
      type: DatasetDto,
    },
    [400, 409, 413, 415],
  )
  register(@Body() dto: RegisterDatasetDto) {
    return this.datasets.register(dto);
  }

  /**
   * The request body is the ratings file itself (any content type but JSON/YAML; gzip welcome, its
   * size counted decompressed); `filename` is its own name, which failure reasons use.
   */
  @Post('upload')
  @ApiRoute(
    'Upload a ratings file (the body) and register it',
    {
      status: 201,
      description: 'the dataset as read back once queued (a worker may already be preparing it)',
      type: DatasetDto,
    },
    [400, 408, 409, 413, 507],
  )
  @ApiConsumes('application/octet-stream', 'application/gzip', 'text/csv')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  upload(@Query() query: UploadDatasetQueryDto, @Req() req: Request) {
    return this.datasets.upload(query, req);
  }

  @Get()
  @ApiRoute('List datasets, newest first', { status: 200, type: [DatasetDto] }, [])
  list() {
    return this.datasets.list();
  }

  @Get(':id')
  @ApiRoute('One dataset: state, options, statistics', { status: 200, type: DatasetDto }, [400, 404])
  get(@Param('id', ID_PARAM) id: string) {
    return this.datasets.get(id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiRoute(
    'Delete a dataset and its prepared files',
    { status: 204, description: 'deleted' },
    [400, 404, 409],
  )
  delete(@Param('id', ID_PARAM) id: string) {
    return this.datasets.delete(id, (datasetId) => this.sweeps.activeSweepUsing(datasetId));
  }
}
