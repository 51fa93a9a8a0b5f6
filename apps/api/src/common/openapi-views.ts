import {
  comparisonViewSchema,
  datasetViewSchema,
  healthViewSchema,
  importanceViewSchema,
  prometheusTargetsViewSchema,
  recommendationsViewSchema,
  submittedSweepViewSchema,
  sweepPageSchema,
  sweepViewSchema,
  trialDetailViewSchema,
  trialViewSchema,
  workerViewSchema,
} from '@vaecf/orchestration';
import { createZodDto } from 'nestjs-zod';

/*
 * The API's answers in its OpenAPI document (docs/openapi.json): DTO classes,
 * named as the document names them, over the schemas of libs/orchestration
 * views.ts, which also give the answers' TypeScript types. No shape is written
 * here: change an answer there.
 */

export class SweepViewDto extends createZodDto(sweepViewSchema) {}
export class SubmittedSweepDto extends createZodDto(submittedSweepViewSchema) {}
export class SweepPageDto extends createZodDto(sweepPageSchema) {}
export class TrialRowDto extends createZodDto(trialViewSchema) {}
export class TrialDto extends createZodDto(trialDetailViewSchema) {}
export class ComparisonDto extends createZodDto(comparisonViewSchema) {}
export class ImportanceDto extends createZodDto(importanceViewSchema) {}
export class DatasetDto extends createZodDto(datasetViewSchema) {}
export class RecommendationsDto extends createZodDto(recommendationsViewSchema) {}
export class HealthDto extends createZodDto(healthViewSchema) {}
export class WorkerDto extends createZodDto(workerViewSchema) {}
export class PrometheusTargetsDto extends createZodDto(prometheusTargetsViewSchema) {}
