/**
 * `npm run bench:decision`: latency of `POST /v1/checks` for clean orders
 * (the decision path: HTTP → update-with-start → scoring with velocity reads →
 * answer), sequential and at 16 concurrent clients, and sustained checks/s.
 *
 * Env: BENCH_SEQUENTIAL (default 300), BENCH_CONCURRENT (default 1500),
 * BENCH_CLIENTS (default 16); BENCH_URL + BENCH_SERVICE_KEY to target a running instance.
 */
import os from 'node:os';
import { benchTarget, load, summary } from './lib';
import { cleanOrder } from '../test/fixtures/orders';

async function main(): Promise<void> {
  const sequential = Number(process.env.BENCH_SEQUENTIAL ?? 300);
  const concurrent = Number(process.env.BENCH_CONCURRENT ?? 1500);
  const clients = Number(process.env.BENCH_CLIENTS ?? 16);
  process.stderr.write('starting the embedded stack, a worker and the API ...\n');
  const target = await benchTarget();
  const post = async () => {
    const response = await fetch(`${target.baseUrl}/v1/checks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${target.serviceKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(cleanOrder()),
    });
    const body = (await response.json()) as { status?: string };
    if (response.status !== 201 || body.status !== 'approved') throw new Error(`unexpected answer ${response.status} ${JSON.stringify(body)}`);
  };
  try {
    await load(100, 4, post); // warm-up: JIT, connection pools, workflow cache
    const seq = await load(sequential, 1, post);
    const conc = await load(concurrent, clients, post);
    const lines = [
      '',
      `POST /v1/checks, clean orders (${new Date().toISOString()}, ${process.platform} ${os.cpus().length} cores)`,
      summary('sequential', seq.latencies),
      summary(`${clients} concurrent clients`, conc.latencies),
      `${'throughput'.padEnd(34)} ${(conc.latencies.length / (conc.wallMs / 1000)).toFixed(1)} checks/s sustained over ${(conc.wallMs / 1000).toFixed(1)} s`,
      '',
    ];
    process.stdout.write(lines.join('\n'));
  } finally {
    await target.stop();
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
