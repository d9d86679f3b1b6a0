/**
 * A service that refuses every report: the run still writes every rendering, report.json keeps
 * the expected tallies, and the verdict names the refusal (its HTTP status and body) instead of
 * leaving it to fleetsim.log. Against a real HTTP server, through the real CLI, alone and with
 * workers.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureLine, mergeFailureReasons, reasonOf } from '../drive/failure-reasons.js';
import type { RunResult } from '../result/result.js';
import { fleetsimAsync } from './helpers/cli-async.js';
import { tempDir, tinyScenario } from './scenario-files.js';

describe('failure reasons', () => {
  it('one kind per refusal, whatever device or path it came from', () => {
    expect(
      reasonOf('HTTP 404 from POST http://127.0.0.1:9/api/v2/devices/ios-000001/status: {"error":"no route"}'),
    ).toEqual({ reason: 'HTTP 404: {"error":"no route"}', status: 404 });
    expect(
      reasonOf(
        'HTTP 404 from POST http://127.0.0.1:9/api/v2/devices/android-000007.r1a2b3/status: {"error":"no route"}',
      ),
    ).toEqual({ reason: 'HTTP 404: {"error":"no route"}', status: 404 });
    expect(reasonOf('connection of ios-000042 closed with the event unacknowledged').reason).toBe(
      'connection of <device> closed with the event unacknowledged',
    );
    expect(reasonOf('no acknowledgement within 30000 ms from mqtt://127.0.0.1:1883').reason).toBe(
      'no acknowledgement within 30000 ms from <target>',
    );
  });

  it('shards add up; the line names the status codes and the most common first', () => {
    const merged = mergeFailureReasons([
      [{ reason: 'HTTP 401: bad token', count: 3, status: 401 }],
      [
        { reason: 'HTTP 404: no route', count: 5, status: 404 },
        { reason: 'HTTP 401: bad token', count: 4, status: 401 },
      ],
    ]);
    expect(merged).toEqual([
      { reason: 'HTTP 401: bad token', count: 7, status: 401 },
      { reason: 'HTTP 404: no route', count: 5, status: 404 },
    ]);
    expect(failureLine(12, merged)).toBe(
      '12 event(s) failed; HTTP status 401, 404; most common: HTTP 401: bad token (7); HTTP 404: no route (5)',
    );
  });
});

describe('a service that refuses every report (HTTP 404 on its path)', () => {
  let server: Server;
  let url: string;
  let requests = 0;
  const tmp = tempDir();

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests++;
      req.resume();
      req.on('end', () => res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no route"}'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2/app-status`;
  });

  afterAll(async () => {
    await new Promise((r) => server.close(r));
    tmp.cleanup();
  });

  it.each([1, 2])('writes a full report whose verdict names the refusal (workers %i)', async (workers) => {
    const out = join(tmp.dir, `w${workers}`);
    const scenario = tmp.write(`refused-${workers}.yaml`, tinyScenario([], { devices: 20 }));
    const before = requests;
    const r = await fleetsimAsync([
      'run',
      scenario,
      '--target',
      url,
      '--out',
      out,
      '--quiet',
      '--workers',
      String(workers),
    ]);
    expect(requests).toBeGreaterThan(before);
    // the implicit errors.count == 0 fails: exit 1, not 4, and every rendering is there
    expect(r.code, r.stderr).toBe(1);
    for (const f of ['report.json', 'summary.md', 'junit.xml', 'report.html'])
      expect(existsSync(join(out, f)), f).toBe(true);
    const result = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RunResult;
    expect(result.verdict).toBe('thresholds failed');
    expect(result.events.acked).toBe(0);
    expect(result.events.failureReasons).toEqual([
      { reason: 'HTTP 404: {"error":"no route"}', count: result.events.failed, status: 404 },
    ]);
    expect(result.reconciliation.checked).toBe(false);
    expect(result.reconciliation.apps.map((a) => a.expected.total)).toEqual([30]);
    const line = `${result.events.failed} event(s) failed; HTTP status 404; most common: HTTP 404: {"error":"no route"} (${result.events.failed})`;
    expect(r.stdout).toContain(line);
    // and in every rendering, not only the terminal
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toContain(line);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain(line.replace(/"/g, '&quot;'));
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toContain(
      `<property name="events.failureReasons" value="${line.replace(/"/g, '&quot;')}"/>`,
    );
  });

  it('a tally mapping that does not parse is refused with file:line before anything is sent', async () => {
    const target = tmp.write(
      'bad-rows.yaml',
      [
        `url: ${url}`,
        'tallies:',
        '  source: http',
        `  url: ${url}/summary`,
        `  rows: 'breakdown.{ "platform": os., }'`,
        '',
      ].join('\n'),
    );
    const scenario = tmp.write('bad-rows-scenario.yaml', tinyScenario([], { devices: 5 }));
    const before = requests;
    const r = await fleetsimAsync(['run', scenario, '--target-file', target, '--out', join(tmp.dir, 'bad-rows')]);
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stderr).toContain('bad-rows.yaml:5: tallies.rows: JSONata does not parse');
    expect(requests).toBe(before);
  });
});
