import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { createApiMetrics } from '@vaecf/telemetry';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { TokenGuard } from './common/auth.guard';
import { HttpMetricsMiddleware } from './common/http-metrics.middleware';
import { API_METRICS } from './common/tokens';
import { ErrorsFilter } from './common/errors.filter';
import { ValidationPipe } from './common/validation';
import { DatasetsController } from './datasets/datasets.controller';
import { DatasetsService } from './datasets/datasets.service';
import { HealthController } from './health.controller';
import { InfraModule } from './infra.module';
import { MetricsController } from './metrics.controller';
import { WorkersController } from './workers.controller';
import { SweepsController } from './sweeps/sweeps.controller';
import { ModelExportService } from './sweeps/model-export.service';
import { ModelsService } from './sweeps/models.service';
import { SweepsService } from './sweeps/sweeps.service';

@Module({
  imports: [InfraModule],
  controllers: [HealthController, MetricsController, DatasetsController, SweepsController, WorkersController],
  providers: [
    DatasetsService,
    SweepsService,
    ModelsService,
    ModelExportService,
    { provide: API_METRICS, useFactory: () => createApiMetrics() },
    { provide: APP_PIPE, useClass: ValidationPipe },
    { provide: APP_GUARD, useClass: TokenGuard },
    { provide: APP_FILTER, useClass: ErrorsFilter },
  ],
})
export class AppModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*');
  }
}
