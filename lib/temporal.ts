/** The Temporal client the API uses (one connection per process). */
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config';
import { dataConverter } from './payloadCodec';

export async function connectTemporalClient(config: Config): Promise<{ client: Client; connection: Connection }> {
  const address = config.temporal.address;
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set (npm start sets it when it starts the embedded server)');
  const connection = await Connection.connect({ address });
  const client = new Client({
    connection,
    namespace: config.temporal.namespace,
    dataConverter: dataConverter(config.payloadKeys.keys, config.payloadKeys.current),
  });
  return { client, connection };
}
