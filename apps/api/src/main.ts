#!/usr/bin/env node
import type { Server } from 'node:http';
import 'reflect-metadata';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { cleanupOpenApiDoc } from 'nestjs-zod';
import { initBackend } from '@vaecf/cf';
import { logColours } from '@vaecf/telemetry';
import { AppModule } from './app.module';
import { checkBodyShape, rewriteBodyParserErrors } from './common/body-errors';
import { apiConfig, ApiEnvironmentError } from './config';

async function main(): Promise<void> {
  const config = apiConfig();
  const logger = new ConsoleLogger({ colors: logColours(process.stdout, process.env) });
  Logger.overrideLogger(logger);
  // Recommendations score with TensorFlow.js: the best backend present, once per process.
  const backend = await initBackend();
  Logger.log(`TensorFlow.js backend: ${backend.name}`, 'vaecf-api');
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bodyParser: false, logger });
  // Bodies are size-limited; sweep specs come as JSON or as YAML text.
  // Not strict: a JSON scalar parses, and validation then names what was expected instead of a syntax error.
  app.useBodyParser('json', { limit: config.BODY_LIMIT, strict: false });
  app.useBodyParser('text', {
    limit: config.BODY_LIMIT,
    type: ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'],
  });
  app.use(checkBodyShape, rewriteBodyParserErrors); // before anything walks a parsed body recursively
  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('vaecf')
      .setDescription('Mult-VAE / Mult-DAE sweeps')
      .setVersion('0.1.0')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, cleanupOpenApiDoc(doc));
  app.enableShutdownHooks();
  await app.listen(config.PORT, config.API_HOST);
  const server = app.getHttpServer() as Server;
  // Idle keep-alive connections live longer than clients and proxies keep them (Node's 5 s is
  // shorter than most): a client reusing a connection the server has just closed gets a reset.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const address = server.address() as { port: number };
  Logger.log(`listening on :${address.port}`, 'vaecf-api');
}

main().catch((e: Error) => {
  process.stderr.write(`api: ${e instanceof ApiEnvironmentError ? e.message : (e.stack ?? e.message)}\n`);
  process.exit(1);
});
