/**
 * The durability suite (docs/endpoint.md, "Durability"): `fleetsim serve --data-dir` killed with
 * SIGKILL at seeded random moments under MQTT and HTTP load, alone and with --workers 2 (the
 * owner, or one worker); on a full disk; and its journal with bytes flipped and cut off. The one
 * invariant, every time: each acknowledged event is in the tallies after the restart, or the
 * restart refuses with a reason that names the byte offset. Counts are small so the suite runs in
 * about a minute on two shared cores; FLEETSIM_CHAOS_SEED picks other moments and bytes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startEndpoint } from '../broker/endpoint.js';
import { JOURNAL_FILE } from '../broker/journal.js';
import { SNAPSHOT_NAME } from '../broker/snapshot.js';
import type { StatusEvent } from '../protocol/event.js';
import { tempDir } from './helpers.js';
import { getJson, postJson } from './helpers/endpoint-client.js';
import { fleetEvents, prng } from './helpers/endpoint-events.js';
import { expectAcknowledgedKept, load } from './helpers/load.js';
import { startServe, type ServeProcess } from './helpers/serve-process.js';

const SEED = Number(process.env.FLEETSIM_CHAOS_SEED ?? 20261201);
const rnd = prng(SEED);
const APPS = ['com.acme.mail', 'com.acme.vpn'];
const children: ServeProcess[] = [];
const dirs: string[] = [];
/** What each kill point, disk-full run and corruption case showed: printed once at the end. */
const tally: string[] = [];
afterEach(() => {
  for (const c of children.splice(0))
    if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
});
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  console.log(`durability suite, seed ${SEED}:\n  ${tally.join('\n  ')}`);
});
const newDir = () => {
  const d = tempDir('fleetsim-chaos-');
  dirs.push(d);
  return d;
};

/** Round r of one fleet: the same pairs, seqs after every earlier round's. */
function round(r: number, devices = 300, steps = 3): StatusEvent[] {
  return fleetEvents(devices, steps, APPS, 7 + r).map((e) => ({
    ...e,
    seq: e.seq + r * steps,
    simTs: e.simTs + r * steps * 60_000,
  }));
}

async function serve(dir: string, workers: number, extra: string[] = []): Promise<ServeProcess> {
  const s = await startServe(['--data-dir', dir, ...(workers > 1 ? ['--workers', String(workers)] : []), ...extra]);
  children.push(s);
  return s;
}

// A kill can land while a load connection is still in its MQTT handshake (under load, a CONNECT
// takes long): the socket closes before CONNACK, which mqtt.js reports with 'close' alone. The
// load's connect used to wait for an 'error' that never came, and the case hung until the test
// timeout (twice at load average 11-19, only with --workers 2, whose connects are the slowest).
// connectMqtt now fails on that close; and a round whose acks stop short of its kill point is
// killed once its load is over, so `exited` cannot wait for a kill that never comes.
describe('[G1][G3] kill -9 at random moments under load', () => {
  it.each([
    // Compaction every ~50 KiB, so that kills also land in and around compactions (G7).
    { workers: 1, rounds: 4, extra: ['--compact-mb', '0.05'] },
    { workers: 2, rounds: 3, extra: [] as string[] },
  ])(
    '--workers $workers $extra: $rounds kill points, each restart holds every acknowledged event',
    async ({ workers, rounds, extra }) => {
      const dir = newDir();
      const sent: StatusEvent[] = [];
      const acked: StatusEvent[] = [];
      for (let r = 0; r < rounds; r++) {
        const s = await serve(dir, workers, extra);
        if (r > 0) await expectAcknowledgedKept(s.httpUrl, APPS, sent, acked);
        const events = round(r);
        const killAt = acked.length + 200 + Math.floor(rnd() * (events.length - 400));
        let killed = false;
        const run = load(s, events, acked, (n) => n >= killAt && !killed && (killed = s.child.kill('SIGKILL')));
        await run.done;
        const late = !killed;
        if (late) s.child.kill('SIGKILL');
        await s.exited;
        run.stop();
        await run.close();
        sent.push(...run.sent);
        tally.push(
          `kill point (--workers ${workers}, round ${r + 1}): SIGKILL ${late ? `after the load (${acked.length} acks, short of ${killAt})` : `after ${killAt} acks`}; ${run.sent.length} sent, ${acked.length} acknowledged so far`,
        );
      }
      const last = await serve(dir, workers, extra);
      const kept = await expectAcknowledgedKept(last.httpUrl, APPS, sent, acked);
      const snapshot = existsSync(join(dir, SNAPSHOT_NAME));
      tally.push(
        `  restart (--workers ${workers}): ${kept.acked} acknowledged events all counted; ${last.replayed} replayed${snapshot ? ' (pairs from the snapshot, then the journal since the last compaction)' : ''}`,
      );
      last.child.kill('SIGTERM');
      expect((await last.exited).code).toBe(0);
    },
  );

  it('--workers 2: one worker killed mid-load; it is replaced and every acknowledged event is counted, live', async () => {
    const dir = newDir();
    const s = await serve(dir, 2);
    const acked: StatusEvent[] = [];
    const events = round(0, 400);
    const pids: number[] = (await getJson(s.httpUrl, '/v1/cluster')).body.health.map((w: { pid: number }) => w.pid);
    const victim = pids[Math.floor(rnd() * pids.length)]!;
    const killAt = 300 + Math.floor(rnd() * 1500);
    let killed = false;
    const run = load(s, events, acked, (n) => {
      if (n >= killAt && !killed) {
        killed = true;
        process.kill(victim, 'SIGKILL');
      }
    });
    await run.done;
    run.stop();
    await run.close();
    while ((await getJson(s.httpUrl, '/healthz')).status !== 200) await new Promise((r) => setTimeout(r, 50));
    const kept = await expectAcknowledgedKept(s.httpUrl, APPS, run.sent, acked);
    tally.push(
      `kill point (one of 2 workers, pid ${victim}, after ${killAt} acks): replaced; ${kept.acked} acknowledged all counted`,
    );
  });
});

/** Mounts a 1 MiB tmpfs (root only); the reason it cannot, otherwise. */
function mountSmallDisk(): { dir: string } | { reason: string } {
  if (process.getuid?.() !== 0) return { reason: 'mounting a tmpfs needs root' };
  const dir = tempDir('fleetsim-full-');
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status === 0) return { dir };
  rmSync(dir, { recursive: true, force: true });
  return { reason: `mount -t tmpfs failed: ${(r.stderr || r.error?.message || '').trim()}` };
}

function unmount(dir: string): void {
  execFileSync('umount', [dir]);
  rmSync(dir, { recursive: true, force: true });
}

describe('[G2] a full disk', () => {
  // Probed once while collecting, so a machine that cannot mount shows why in the test's name.
  const probe = mountSmallDisk();
  if ('dir' in probe) unmount(probe.dir);
  const name =
    'on a 1 MiB tmpfs: serve stops (exit 70) with nothing partial acknowledged; a restart holds every acknowledged event';
  it.skipIf('reason' in probe)('reason' in probe ? `${name} (SKIPPED: ${probe.reason})` : name, async () => {
    const disk = mountSmallDisk();
    if (!('dir' in disk)) throw new Error(disk.reason);
    try {
      await fullDisk(disk.dir);
    } finally {
      for (const c of children.splice(0))
        if (c.child.exitCode === null && c.child.signalCode === null) {
          c.child.kill('SIGKILL');
          await c.exited;
        }
      unmount(disk.dir);
    }
  });
});

async function fullDisk(mountPoint: string): Promise<void> {
  const dir = join(mountPoint, 'data');
  mkdirSync(dir);
  const s = await serve(dir, 1);
  const acked: StatusEvent[] = [];
  const run = load(s, round(0, 1200, 4), acked);
  const exit = await s.exited;
  run.stop();
  await run.done;
  await run.close();
  expect(exit.code).toBe(70);
  // In place first (the disk still full), then a copy on a roomy disk.
  const inPlace = await startServe(['--data-dir', dir]).then(
    async (again) => {
      children.push(again);
      await expectAcknowledgedKept(again.httpUrl, APPS, run.sent, acked);
      again.child.kill('SIGTERM');
      await again.exited;
      return 'restarted in place with every acknowledged event';
    },
    (err: Error) => {
      expect(err.message).toMatch(/data directory|journal|byte offset|ENOSPC/);
      return `refused in place: ${err.message.slice(0, 120)}`;
    },
  );
  const copy = newDir();
  cpSync(dir, copy, { recursive: true });
  rmSync(join(copy, 'LOCK'), { force: true });
  const again = await serve(copy, 1);
  const kept = await expectAcknowledgedKept(again.httpUrl, APPS, run.sent, acked);
  tally.push(
    `full disk: exit ${exit.code} after ${acked.length} acknowledged of ${run.sent.length} sent; ${inPlace}; copied elsewhere: ${kept.acked} acknowledged all counted`,
  );
}

describe('[G5][G6] flipped and cut journal bytes', () => {
  it('each flipped byte is refused at the byte offset of the line it is in; each cut, inside what was acknowledged', async () => {
    const dir = newDir();
    const ep = await startEndpoint({ dataDir: dir });
    const events = round(0, 150, 4);
    for (let i = 0; i < events.length; i += 25) {
      await postJson(ep.httpUrl, '/v1/events', events.slice(i, i + 25));
    }
    await ep.close();
    const file = join(dir, JOURNAL_FILE);
    const original = readFileSync(file);
    const size = statSync(file).size;
    const lineStart = (pos: number) => original.lastIndexOf(10, pos - 1) + 1;
    const trial = async (mutate: (b: Buffer) => Buffer): Promise<string | undefined> => {
      const d = newDir();
      cpSync(dir, d, { recursive: true });
      rmSync(join(d, 'LOCK'), { force: true });
      writeFileSync(join(d, JOURNAL_FILE), mutate(Buffer.from(original)));
      return startEndpoint({ dataDir: d }).then(
        async (e) => {
          await e.close();
          return undefined;
        },
        (err: Error & { code?: string }) => {
          expect(err.code).toBe('DATA_DIR');
          return err.message;
        },
      );
    };
    const flips = 80;
    for (let k = 0; k < flips; k++) {
      const pos = Math.floor(rnd() * size);
      const mask = 1 + Math.floor(rnd() * 255);
      const msg = await trial((b) => {
        b[pos]! ^= mask;
        return b;
      });
      expect(msg, `flip at ${pos} was not refused`).toBeDefined();
      expect(msg, `flip at ${pos}`).toContain(`byte offset ${lineStart(pos)}`);
    }
    tally.push(`corruption: ${flips} flipped bytes in a ${size}-byte journal, each refused at its line's byte offset`);
    const cuts = 30;
    for (let k = 0; k < cuts; k++) {
      const cut = Math.floor(rnd() * (size - 1));
      const msg = await trial((b) => b.subarray(0, cut));
      expect(msg, `cut at ${cut} was not refused`).toBeDefined();
      expect(msg).toMatch(/acknowledged/);
      const at = Number(/byte offset (\d+)/.exec(msg!)?.[1] ?? (cut === 0 ? 0 : Number.NaN));
      expect(at).toBeLessThanOrEqual(cut);
    }
    tally.push(
      `corruption: ${cuts} cuts inside acknowledged bytes, each refused (acknowledged bytes missing) at or before the cut`,
    );
  });

  it('[G7] each flipped byte of a snapshot is refused, naming the snapshot', async () => {
    const dir = newDir();
    const ep = await startEndpoint({ dataDir: dir, compactBytes: 16 * 1024 });
    const events = round(0, 100, 3);
    for (let i = 0; i < events.length; i += 25) await postJson(ep.httpUrl, '/v1/events', events.slice(i, i + 25));
    await ep.close();
    const original = readFileSync(join(dir, SNAPSHOT_NAME));
    const flips = 20;
    for (let k = 0; k < flips; k++) {
      const pos = Math.floor(rnd() * original.length);
      const d = newDir();
      cpSync(dir, d, { recursive: true });
      rmSync(join(d, 'LOCK'), { force: true });
      const b = Buffer.from(original);
      b[pos]! ^= 1 + Math.floor(rnd() * 255);
      writeFileSync(join(d, SNAPSHOT_NAME), b);
      const err = await startEndpoint({ dataDir: d }).then(
        async (e) => {
          await e.close();
          return undefined;
        },
        (e: Error & { code?: string }) => e,
      );
      expect(err, `snapshot flip at ${pos} was not refused`).toBeDefined();
      expect(err!.code).toBe('DATA_DIR');
      expect(err!.message).toContain(SNAPSHOT_NAME);
    }
    tally.push(`corruption: ${flips} flipped bytes in a ${original.length}-byte snapshot, each refused naming it`);
  });
});

describe('the load itself, when a kill lands mid-handshake', () => {
  it('ends when every MQTT connection closes before its CONNACK (it used to wait for good)', async () => {
    // A broker that dies between reading CONNECT and answering it, as a killed worker does.
    const broker = createServer((sock) => sock.once('data', () => sock.destroy()));
    const http = createServer((sock) => sock.destroy());
    await Promise.all([broker, http].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()))));
    const port = (s: typeof broker) => (s.address() as AddressInfo).port;
    try {
      const acked: StatusEvent[] = [];
      const run = load(
        { mqttUrl: `mqtt://127.0.0.1:${port(broker)}`, httpUrl: `http://127.0.0.1:${port(http)}` },
        round(0, 20),
        acked,
      );
      await run.done;
      await run.close();
      expect(acked).toEqual([]);
    } finally {
      broker.close();
      http.close();
    }
  });
});
