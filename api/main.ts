/** The API process: connects to Temporal and the database, then serves HTTP. */
import { loadConfig } from '../config';
import { connectDatabase, disconnectDatabase } from '../models';
import { connectTemporalClient } from '../lib/temporal';
import { checkDocumentKeys } from '../lib/documentKeys';
import { logger } from '../lib/logger';
import { reportFatal } from '../lib/fatal';
import { createApp } from './app';
import { startMetricsServer } from './metrics';
import { clientErrorHandler, expectationHandler } from './errors';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.mongodbUri) throw new Error('MONGODB_URI is not set');
  const { client, connection } = await connectTemporalClient(config);
  // The key check reads before anything is written; recording the key in use is the first write.
  await connectDatabase(config.mongodbUri, { beforeWrites: async () => (await checkDocumentKeys(config, client)).record('api') });
  const app = createApp({ config, temporal: client, connection });
  const server = app.listen(config.port, () => {
    logger.info({ port: config.port }, 'api listening');
    process.send?.({ ready: true });
  });
  // Metrics on a port of their own: the public port (behind the proxy) never serves them.
  const metricsServer = config.metricsPort === undefined ? undefined : startMetricsServer(config.metricsPort);
  server.on('clientError', clientErrorHandler);
  server.on('checkExpectation', expectationHandler);
  server.keepAliveTimeout = 65_000;
  server.requestTimeout = 120_000;
  const shutdown = () => {
    logger.info('api stopping');
    metricsServer?.close();
    server.close(async () => {
      await connection.close();
      await disconnectDatabase();
      process.exit(0);
    });
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error) => {
  reportFatal('api', error);
  process.exit(1);
});
