/**
 * Memory per HTTPS device connection presenting its own client certificate (tls.clientCerts):
 * N devices through fleetsim's HTTP transport, each with a certificate minted for it and its own
 * connection (batch 1), each sends one event and its connection stays open; settled heap and RSS
 * before and after. The minted identity stays cached while the connection lives, so it is part
 * of what one more device costs, as in a run.
 *
 *   node --expose-gc dist/bench/passes/https-cert-pass.js --target https://127.0.0.1:PORT --ca ca.pem --ca-key ca.key [--devices 4000]
 */
import { HttpTransport } from '../../transport/http/http.js';
import { resolveTls } from '../../transport/tls/tls-options.js';
import { report } from '../method/pass.js';
import { argOf, argText } from '../method/stats.js';

async function settled() {
  await new Promise((r) => setTimeout(r, 1_000));
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, external: m.external, rss: m.rss };
}

const n = Math.min(argOf('devices', 4_000), 19_000);
const ca = argText('ca', '');
const tls = resolveTls({ ca, clientCerts: { mint: { caCert: ca, caKey: argText('ca-key', '') } } }, Date.now);
const t = new HttpTransport({ url: argText('target', ''), tls, batch: 1, maxRetries: 0 });
await t.preflight();
const before = await settled();
let failed = 0;
for (let i = 0; i < n; i += 250) {
  const batch = Array.from(
    { length: Math.min(250, n - i) },
    (_, k) => new Promise<boolean>((r) => t.send(`tls-${String(i + k).padStart(6, '0')}`, 'app', '{}', (e) => r(!e))),
  );
  for (const ok of await Promise.all(batch)) if (!ok) failed++;
}
const open = t.connections();
const after = await settled();
await t.close();
report({
  devices: n,
  failed,
  open,
  grown: { heap: after.heap - before.heap, external: after.external - before.external, rss: after.rss - before.rss },
});
process.exit(0);
