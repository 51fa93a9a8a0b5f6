import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { TokenGuard } from './common/auth.guard';
import { ErrorsFilter } from './common/errors.filter';
import { ValidationPipe } from './common/validation';
import { DatasetsController } from './datasets/datasets.controller';
import { DatasetsService } from './datasets/datasets.service';
import { HealthController } from './health.controller';
import { InfraModule } from './infra.module';
import { SweepsController } from './sweeps/sweeps.controller';
import { SweepsService } from './sweeps/sweeps.service';

@Module({
  imports: [InfraModule],
  controllers: [HealthController, DatasetsController, SweepsController],
  providers: [
    DatasetsService,
    SweepsService,
    { provide: APP_PIPE, useClass: ValidationPipe },
    { provide: APP_GUARD, useClass: TokenGuard },
    { provide: APP_FILTER, useClass: ErrorsFilter },
  ],
})
export class AppModule {}
