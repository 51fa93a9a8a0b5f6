#!/usr/bin/env node
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { workerConfig, WorkerEnvironmentError } from './config';
import { workerEngines } from './deps';
import { EngineSettingError } from './engines';
import { WorkerModule } from './worker.module';

/**
 * A worker process: a Nest application context (no HTTP) hosting the trials
 * queue's BullMQ worker. SIGTERM (docker stop) and SIGINT close the context,
 * which hands running trials back to the queue, then the process exits 0.
 */
async function main(): Promise<void> {
  const config = workerConfig(); // a bad environment stops here, before anything starts
  // So does an engine that cannot load (a forced VAECF_ENGINE, or none at all): probed once, here.
  await workerEngines(config).catch((e: Error) => {
    throw e instanceof EngineSettingError
      ? new WorkerEnvironmentError(`invalid worker environment: ${e.message}`)
      : e;
  });
  const app = await NestFactory.createApplicationContext(WorkerModule, { bufferLogs: false });
  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    Logger.log(`${signal} received`, 'Worker');
    // app.close() runs the onApplicationShutdown hooks (hand trials back, close connections).
    void app
      .close()
      .then(() => process.exit(0))
      .catch((e: Error) => {
        process.stderr.write(`worker: shutdown failed: ${e.stack ?? e.message}\n`);
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((e: Error) => {
  // A bad environment is the user's to fix: one line, no stack.
  process.stderr.write(
    `worker: ${e instanceof WorkerEnvironmentError ? e.message : (e.stack ?? e.message)}\n`,
  );
  process.exit(1);
});
