import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { talliesShapeProblem } from '../protocol/tally.js';
import { cliAsync, tempDir, writeTemp } from './helpers.js';

const GOOD = {
  appId: 'com.acme.mail',
  total: 2,
  statuses: { installed: { total: 2, states: { installed: 2 } } },
  platforms: { ios: { installed: { installed: 2 } } },
};

describe('a tallies answer is checked before anything reads it', () => {
  it("names what is wrong with an answer that is not the app's tallies", () => {
    expect(talliesShapeProblem(GOOD, 'com.acme.mail')).toBeUndefined();
    const { appId: _, ...noApp } = GOOD;
    expect(talliesShapeProblem(noApp, 'com.acme.mail')).toBe('it has no "appId"');
    expect(talliesShapeProblem({ ...GOOD, appId: 'x' }, 'com.acme.mail')).toContain('"x", not "com.acme.mail"');
    expect(talliesShapeProblem({ ...GOOD, total: '2' }, 'com.acme.mail')).toContain('"total"');
    expect(talliesShapeProblem({ ...GOOD, platforms: { ios: { installed: { installed: -1 } } } }, 'a')).toBeDefined();
    expect(talliesShapeProblem([], 'com.acme.mail')).toContain('an array');
    expect(talliesShapeProblem(null, 'com.acme.mail')).toContain('not an object');
  });
});

describe('fleetsim run against a target whose tallies have no appId', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  it('exits 4 with one paragraph naming the field, not an internal error', async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        // accepts every event; its tallies lack appId (and, as in the finding, the rest)
        res.end(req.method === 'GET' ? JSON.stringify({ total: 3, byState: { installed: 3 } }) : '{}');
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const file = writeTemp(
      's.yaml',
      'name: t\nseed: 7\ntransport: http\napps:\n  - id: com.acme.mail\ncohorts:\n  - name: ios\n    platform: ios\n    count: 5\n',
    );
    const r = await cliAsync(['run', file, '--target', url, '--quiet', '--out', join(tempDir(), 'out')]);
    expect(r.stderr).toContain('not with the tallies of app "com.acme.mail": it has no "appId"');
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(r.code).toBe(4);
  });
});
