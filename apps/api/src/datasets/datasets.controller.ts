import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { SweepsService } from '../sweeps/sweeps.service';
import { RegisterDatasetDto } from './datasets.dto';
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
