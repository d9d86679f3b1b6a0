/**
 * Memory per HTTPS device connection with a client certificate per device, client side: what the
 * size check (run/size-check.ts) counts per such connection. A throwaway CA and server
 * certificate (openssl), an HTTPS server in its own process that asks every client for its
 * certificate and answers 200, and the pass (passes/https-cert-pass.ts) with N/2 and with N
 * devices: the difference of the two growths over N/2 is what one more device costs.
 *
 *   npm run build && node dist/bench/https-connections.js [--devices 4000]
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPass } from './method/pass.js';
import { startRecord } from './method/output.js';
import { argOf } from './method/stats.js';

const devices = argOf('devices', 4_000);
const done = startRecord('https-connections', {
  devices,
  how: 'N devices through the HTTP transport with a client certificate minted per device (P-256), one connection each (batch 1), one event each, connections held; settled heap and RSS of the client before and after, with N/2 and N devices; perDevice = the difference of the two growths over N/2. Command: `node dist/bench/https-connections.js --devices 4000`.',
});
const dir = mkdtempSync(join(tmpdir(), 'fleetsim-https-bench-'));
const ssl = (args: string[]) => execFileSync('/usr/bin/openssl', args, { cwd: dir, stdio: 'ignore' });
ssl(
  ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'].concat([
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=Bench CA',
  ]),
);
ssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'server.key']);
ssl(['req', '-new', '-key', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
ssl(
  ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2'].concat([
    '-out',
    'server.pem',
    '-extfile',
    'server.ext',
  ]),
);
const server = `const fs=require('fs');const s=require('https').createServer({cert:fs.readFileSync('server.pem'),key:fs.readFileSync('server.key'),ca:fs.readFileSync('ca.pem'),requestCert:true,rejectUnauthorized:true},(q,r)=>{q.resume();q.on('end',()=>r.end('{}'))});s.keepAliveTimeout=600000;s.headersTimeout=0;s.requestTimeout=0;s.listen(0,'127.0.0.1',()=>console.log(s.address().port))`;

async function pass(n: number) {
  const srv = spawn(process.execPath, ['-e', server], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((r) => srv.stdout.once('data', (b: Buffer) => r(b.toString().trim())));
  try {
    const args = [
      '--target',
      `https://localhost:${port}`,
      '--ca',
      join(dir, 'ca.pem'),
      '--ca-key',
      join(dir, 'ca.key'),
    ];
    return await runPass(`n${n}`, 'https-cert-pass', [...args, '--devices', `${n}`], ['--expose-gc']);
  } finally {
    srv.kill();
  }
}

try {
  const half = Math.floor(devices / 2);
  const small = await pass(half);
  const large = await pass(devices);
  type G = { heap: number; external: number; rss: number };
  const a = small.grown as G;
  const b = large.grown as G;
  const per = (k: keyof G) => Math.round((b[k] - a[k]) / (devices - half));
  done([small, large], {
    perDevice: { heap: per('heap'), external: per('external'), rss: per('rss') },
    average: { rss: Math.round(b.rss / devices) },
    failed: (small.failed as number) + (large.failed as number),
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
