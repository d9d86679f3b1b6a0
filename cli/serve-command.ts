import { startEndpoint } from '../broker/endpoint.js';

export interface ServeArgs {
  mqttPort: number;
  httpPort: number;
  host: string;
}

/** Runs the embedded endpoint until SIGINT/SIGTERM. */
export async function serveCommand(a: ServeArgs): Promise<number> {
  const endpoint = await startEndpoint({ mqttPort: a.mqttPort, httpPort: a.httpPort, host: a.host });
  process.stdout.write(`fleetsim serve: MQTT ${endpoint.mqttUrl}  HTTP ${endpoint.httpUrl}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await endpoint.close();
  process.stdout.write(`fleetsim serve: stopped; ${endpoint.store.counters.accepted} events accepted\n`);
  return 0;
}
