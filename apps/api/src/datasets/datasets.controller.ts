import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import { ApiBody, ApiConsumes, ApiTags } from '@nestjs/swagger';
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
  register(@Body() dto: RegisterDatasetDto) {
    return this.datasets.register(dto);
  }

  /** The request body is the ratings file itself (any content type but JSON/YAML; gzip welcome). */
  @Post('upload')
  @ApiConsumes('application/octet-stream', 'application/gzip', 'text/csv')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  upload(@Query() query: UploadDatasetQueryDto, @Req() req: Request) {
    return this.datasets.upload(query, req);
  }

  @Get()
  list() {
    return this.datasets.list();
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return this.datasets.get(id);
  }

  @Delete(':id')
  @HttpCode(204)
  delete(@Param('id') id: string) {
    return this.datasets.delete(id, (datasetId) => this.sweeps.activeSweepUsing(datasetId));
  }
}
