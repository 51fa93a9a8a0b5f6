#!/usr/bin/env node
import type { Server } from 'node:http';
import 'reflect-metadata';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { availableParallelism } from 'node:os';
import { EngineUnavailableError, loadEngine } from '@vaecf/engine';
import { logColours } from '@vaecf/telemetry';
import { AppModule } from './app.module';
import {
  checkBodyShape,
  JSON_TYPES,
  refuseUnreadBody,
  rewriteBodyParserErrors,
  YAML_TYPES,
} from './common/body-errors';
import { bodyDeadlines, configureHttpServer } from './common/http-server';
import { openApiDocument } from './common/openapi-document';
import { apiConfig, ApiEnvironmentError, httpTimeouts, scoringEngine } from './config';

async function main(): Promise<void> {
  const config = apiConfig();
  const logger = new ConsoleLogger({ colors: logColours(process.stdout, process.env) });
  Logger.overrideLogger(logger);
  // Recommendations score on this engine, loaded once per process (ModelsService asks loadEngine for
  // the same request and gets it from its cache): one that cannot load stops the API here.
  const { engine, skipped } = await loadEngine(scoringEngine(config, availableParallelism())).catch(
    (e: Error) => {
      throw e instanceof EngineUnavailableError ? new ApiEnvironmentError(`VAECF_ENGINE: ${e.message}`) : e;
    },
  );
  const { name, provider, device, threads } = engine.info;
  Logger.log(
    `scoring engine: ${name} (${provider}, ${device}, ${threads} thread${threads === 1 ? '' : 's'})` +
      (skipped.length ? `; not available: ${skipped.join('; ')}` : ''),
    'vaecf-api',
  );
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bodyParser: false, logger });
  const timeouts = httpTimeouts(config);
  app.use(bodyDeadlines(timeouts)); // before the parsers start waiting for a body
  // Bodies are size-limited; sweep specs come as JSON or as YAML text.
  // Not strict: a JSON scalar parses, and validation then names what was expected instead of a syntax error.
  // Other content types (text/plain included) are refused with 415 by refuseUnreadBody.
  app.useBodyParser('json', { limit: config.BODY_LIMIT, strict: false, type: JSON_TYPES });
  app.useBodyParser('text', { limit: config.BODY_LIMIT, type: YAML_TYPES });
  app.use(checkBodyShape, refuseUnreadBody, rewriteBodyParserErrors); // before anything walks a parsed body recursively
  SwaggerModule.setup('docs', app, openApiDocument(app));
  app.enableShutdownHooks();
  await app.listen(config.PORT, config.API_HOST);
  const server = app.getHttpServer() as Server;
  configureHttpServer(server, timeouts);
  const address = server.address() as { port: number };
  Logger.log(
    `listening on :${address.port} (timeouts: headers ${timeouts.headersMs} ms, body ${timeouts.requestMs} ms, ` +
      `upload idle ${timeouts.uploadIdleMs} ms)`,
    'vaecf-api',
  );
}

main().catch((e: Error) => {
  process.stderr.write(`api: ${e instanceof ApiEnvironmentError ? e.message : (e.stack ?? e.message)}\n`);
  process.exit(1);
});
