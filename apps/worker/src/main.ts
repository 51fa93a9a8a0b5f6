#!/usr/bin/env node
import 'reflect-metadata';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { logColours } from '@vaecf/telemetry';
import { checkChildNodeFlags } from './child-node-flags';
import { workerConfig, WorkerEnvironmentError } from './config';
import { workerEngines } from './deps';
import { EngineSettingError } from './engines';
import { watchParent } from './parent-watch';
import { WorkerModule } from './worker.module';

/**
 * A worker process: a Nest application context (no HTTP) hosting the trials
 * queue's BullMQ worker. SIGTERM (docker stop) and SIGINT close the context,
 * which hands running trials back to the queue, then the process exits 0.
 */
async function main(): Promise<void> {
  const config = workerConfig(); // a bad environment stops here, before anything starts
  // So do trial-process flags node refuses: every trial would die at start, spending its attempts.
  const refused = checkChildNodeFlags(config.WORKER_CHILD_NODE_FLAGS);
  if (refused)
    throw new WorkerEnvironmentError(`invalid worker environment: WORKER_CHILD_NODE_FLAGS: ${refused}`);
  // So does an engine that cannot load (a forced VAECF_ENGINE, or none at all): probed once, here.
  await workerEngines(config).catch((e: Error) => {
    throw e instanceof EngineSettingError
      ? new WorkerEnvironmentError(`invalid worker environment: ${e.message}`)
      : e;
  });
  const logger = new ConsoleLogger({ colors: logColours(process.stdout, process.env) });
  Logger.overrideLogger(logger);
  const app = await NestFactory.createApplicationContext(WorkerModule, { bufferLogs: false, logger });
  let closing = false;
  const stop = (why: string) => {
    if (closing) return;
    closing = true;
    Logger.log(why, 'Worker');
    // app.close() runs the onApplicationShutdown hooks (hand trials back, close connections).
    void app
      .close()
      .then(() => process.exit(0))
      .catch((e: Error) => {
        process.stderr.write(`worker: shutdown failed: ${e.stack ?? e.message}\n`);
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM received'));
  process.on('SIGINT', () => stop('SIGINT received'));
  // Started by an npm script (`npm run worker`, the demo): the worker lives as long as what started
  // it. npm forwards SIGTERM (the script execs node), but an npm killed outright would otherwise
  // leave an orphan that keeps taking trials. A worker started by hand or by a supervisor (docker,
  // systemd: no npm in between) is left alone.
  if (process.env.npm_lifecycle_event)
    watchParent(() => stop('its parent process is gone'), 'parent process');
}

main().catch((e: Error) => {
  // A bad environment is the user's to fix: one line, no stack.
  process.stderr.write(
    `worker: ${e instanceof WorkerEnvironmentError ? e.message : (e.stack ?? e.message)}\n`,
  );
  process.exit(1);
});
