/**
 * The journal's guarantees as docs/endpoint.md ("Durability") states them, one test per
 * statement: checksums catch a changed byte anywhere; only a batch never wholly on disk, at the
 * very end and after the commit mark, is a torn tail (dropped, its bytes kept aside); anything
 * else is refused with its byte offset and the files are left exactly as found; offsets are
 * bytes, whatever the bytes are; compaction bounds what a restart reads; the lock is the OS's.
 * Before this change a changed seq digit replayed silently and a damaged tail was truncated away.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEndpoint, type Endpoint } from '../broker/endpoint.js';
import { epochLine, markBytes } from '../broker/journal-format.js';
import { JOURNAL_FILE, MARK_NAME } from '../broker/journal.js';
import { SNAPSHOT_NAME } from '../broker/snapshot.js';
import { tempDir } from './helpers.js';
import { getJson, postJson, tallies } from './helpers/endpoint-client.js';
import { fleetEvents } from './helpers/endpoint-events.js';

const APPS = ['com.acme.mail', 'com.acme.vpn'];
const dirs: string[] = [];
const open: Endpoint[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A data directory holding `batches` acknowledged batches of 20 events, and the tallies they make. */
async function journaled(batches: number, compactBytes?: number) {
  const dir = tempDir('fleetsim-journal-');
  dirs.push(dir);
  const ep = await startEndpoint({ dataDir: dir, ...(compactBytes ? { compactBytes } : {}) });
  const events = fleetEvents(10 * batches, 2, APPS);
  for (let i = 0; i < events.length; i += 20)
    expect((await postJson(ep.httpUrl, '/v1/events', events.slice(i, i + 20))).status).toBe(200);
  const want = await Promise.all(APPS.map((a) => tallies(ep.httpUrl, a)));
  const compactions = ep.metrics.journal as { compactions?: number };
  await ep.close();
  return { dir, file: join(dir, JOURNAL_FILE), events, want, compactions: compactions.compactions ?? 0 };
}

const digest = (dir: string) =>
  Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f !== 'LOCK')
      .map((f) => [
        f,
        createHash('sha256')
          .update(readFileSync(join(dir, f)))
          .digest('hex'),
      ]),
  );

async function refused(dir: string): Promise<string> {
  const before = digest(dir);
  const err = await startEndpoint({ dataDir: dir }).then(
    (ep) => {
      open.push(ep);
      return undefined;
    },
    (e: Error & { code?: string }) => e,
  );
  expect(err, 'the restart should have refused').toBeDefined();
  expect(err!.code).toBe('DATA_DIR');
  expect(digest(dir), 'a refused restart changes no file').toEqual(before);
  return err!.message;
}

async function restarted(dir: string) {
  const ep = await startEndpoint({ dataDir: dir });
  open.push(ep);
  return { ep, tallies: await Promise.all(APPS.map((a) => tallies(ep.httpUrl, a))) };
}

/** Byte offsets of every R line (one event each) in a journal. */
function recordOffsets(buf: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i < buf.length; i = buf.indexOf(10, i) + 1) {
    if (buf[i] === 82) out.push(i);
    if (buf.indexOf(10, i) === -1) break;
  }
  return out;
}

describe('[G5] checksums: a changed byte is refused with its offset', () => {
  it('a changed digit in a seq, in the middle of the file', async () => {
    const j = await journaled(5);
    const buf = readFileSync(j.file);
    const at = buf.indexOf('"seq":1', recordOffsets(buf)[30]!) + 6;
    buf[at] = '7'.charCodeAt(0);
    writeFileSync(j.file, buf);
    const line = buf.lastIndexOf(10, at) + 1;
    expect(await refused(j.dir)).toContain(`byte offset ${line}`);
  });

  it('a flipped bit in the last batch (acknowledged, the file whole) is corruption, not a torn tail', async () => {
    const j = await journaled(3);
    const buf = readFileSync(j.file);
    const last = recordOffsets(buf).at(-1)!;
    buf[last + 20]! ^= 0x04;
    writeFileSync(j.file, buf);
    expect(await refused(j.dir)).toContain(`byte offset ${last}`);
  });

  it("an invalid UTF-8 byte is named at its record's byte offset (not a string offset)", async () => {
    const j = await journaled(4);
    const buf = readFileSync(j.file);
    const rec = recordOffsets(buf)[50]!;
    buf[rec + 30] = 0xff;
    writeFileSync(j.file, buf);
    const msg = await refused(j.dir);
    expect(msg).toContain(`byte offset ${rec}`);
    // And again: a refused restart changed nothing, so the next one says the same.
    expect(await refused(j.dir)).toBe(msg);
  });

  it('a changed batch header is refused at the header', async () => {
    const j = await journaled(3);
    const buf = readFileSync(j.file);
    const header = buf.indexOf('\nB ', buf.indexOf('\nB ') + 1) + 1;
    buf[header + 12] = buf[header + 12] === 0x39 ? 0x38 : 0x39;
    writeFileSync(j.file, buf);
    expect(await refused(j.dir)).toContain(`byte offset ${header}`);
  });
});

describe('[G4][G6] torn tails: only a batch never wholly on disk, at the very end, after the commit mark', () => {
  it('a batch cut short at the end is dropped, its bytes kept aside, the rest exact', async () => {
    const j = await journaled(3);
    const good = statSync(j.file).size;
    // What a crash mid-write leaves: a header and part of its records (and no mark past it).
    appendFileSync(j.file, readFileSync(j.file).subarray(epochLine(0).length, epochLine(0).length + 300));
    const { ep, tallies: got } = await restarted(j.dir);
    expect(got).toEqual(j.want);
    expect(ep.replayed).toBe(j.events.length);
    expect(statSync(j.file).size).toBe(good);
    expect(readFileSync(join(j.dir, `torn-${good}.bin`)).length).toBe(300);
  });

  it('zero bytes at the end (an OS crash after the size grew) are a torn tail', async () => {
    const j = await journaled(2);
    appendFileSync(j.file, Buffer.alloc(4096));
    const { tallies: got } = await restarted(j.dir);
    expect(got).toEqual(j.want);
  });

  it('the journal cut inside acknowledged bytes is refused: the commit mark says they were durable', async () => {
    const j = await journaled(4);
    const buf = readFileSync(j.file);
    const cut = recordOffsets(buf)[45]! + 7;
    writeFileSync(j.file, buf.subarray(0, cut));
    const msg = await refused(j.dir);
    expect(msg).toMatch(/acknowledged/);
    expect(msg).toMatch(/byte offset \d+/);
  });

  it('the journal cut at a batch boundary below the mark is refused too', async () => {
    const j = await journaled(4);
    const buf = readFileSync(j.file);
    const boundary = buf.lastIndexOf('\nB ') + 1;
    writeFileSync(j.file, buf.subarray(0, boundary));
    expect(await refused(j.dir)).toContain(`byte offset ${boundary}`);
  });

  it('an emptied journal with a mark naming acknowledged bytes is refused', async () => {
    const j = await journaled(2);
    writeFileSync(j.file, '');
    expect(await refused(j.dir)).toMatch(/acknowledged/);
  });

  it('garbage after the last batch (not zeros, not a batch) is corruption', async () => {
    const j = await journaled(2);
    const end = statSync(j.file).size;
    appendFileSync(j.file, 'hello, this is not a batch header at all and it goes on and on and on\n');
    expect(await refused(j.dir)).toContain(`byte offset ${end}`);
  });
});

describe('[G7] compaction', () => {
  it('snapshots and empties the journal past compactBytes; a restart rebuilds exactly', async () => {
    const j = await journaled(30, 16 * 1024);
    expect(j.compactions).toBeGreaterThan(0);
    expect(existsSync(join(j.dir, SNAPSHOT_NAME))).toBe(true);
    expect(statSync(j.file).size).toBeLessThan(16 * 1024 + 8 * 1024);
    const { ep, tallies: got } = await restarted(j.dir);
    expect(got).toEqual(j.want);
    expect(ep.store.counters.accepted).toBe(j.events.length);
    const h = (await getJson(ep.httpUrl, `/v1/apps/${APPS[0]}/devices/ios-000000/history`)).body;
    expect(h.events.map((e: { seq: number }) => e.seq)).toEqual([1, 2]);
  });

  it('a crash between the snapshot and emptying the journal: the snapshot covers it, nothing counted twice', async () => {
    const j = await journaled(30, 16 * 1024);
    // Put the journal back to what it was before its last compaction finished: the snapshot's epoch.
    const snap = readFileSync(join(j.dir, SNAPSHOT_NAME), 'latin1');
    const [, epochText, acceptedText] = /^S (-?\d+) (\d+)/.exec(snap)!;
    const epoch = Number(epochText);
    writeFileSync(j.file, epochLine(epoch));
    rmSync(join(j.dir, MARK_NAME));
    const { ep } = await restarted(j.dir);
    // Exactly the snapshot: the journal it covers was skipped, not replayed on top of it.
    expect(ep.store.counters.accepted).toBe(Number(acceptedText));
    expect(readFileSync(j.file)).toEqual(epochLine(epoch + 1));
  });

  it('a crash after the journal was emptied, before its new epoch line: the snapshot has it all', async () => {
    const j = await journaled(30, 16 * 1024);
    const [, epochText, acceptedText] = /^S (-?\d+) (\d+)/.exec(readFileSync(join(j.dir, SNAPSHOT_NAME), 'latin1'))!;
    // The mark still names the emptied journal's epoch and length, as it did before the emptying.
    writeFileSync(j.file, '');
    writeFileSync(join(j.dir, MARK_NAME), markBytes(60_000, Number(epochText)));
    const { ep } = await restarted(j.dir);
    expect(ep.store.counters.accepted).toBe(Number(acceptedText));
  });

  it('a damaged snapshot is refused, named, and left as found', async () => {
    const j = await journaled(30, 16 * 1024);
    const path = join(j.dir, SNAPSHOT_NAME);
    const buf = readFileSync(path);
    buf[100]! ^= 1;
    writeFileSync(path, buf);
    expect(await refused(j.dir)).toContain(SNAPSHOT_NAME);
  });

  it('an old events.ndjson journal is migrated once into a snapshot and kept as events.ndjson.migrated', async () => {
    const dir = tempDir('fleetsim-legacy-');
    dirs.push(dir);
    const events = fleetEvents(20, 2, APPS);
    writeFileSync(join(dir, 'events.ndjson'), events.map((e) => `${JSON.stringify({ at: 1, event: e })}\n`).join(''));
    const { ep } = await restarted(dir);
    expect(ep.store.counters.accepted).toBe(events.length);
    expect(existsSync(join(dir, 'events.ndjson.migrated'))).toBe(true);
    await ep.close();
    open.length = 0;
    const again = await restarted(dir);
    expect(again.ep.store.counters.accepted).toBe(events.length);
  });
});

describe('[G8] the lock without flock(1)', () => {
  it('falls back to an exclusive LOCK file: a second endpoint is refused, the lock is released on close', async () => {
    const dir = tempDir('fleetsim-nolock-');
    dirs.push(dir);
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const first = await startEndpoint({ dataDir: dir });
      await expect(startEndpoint({ dataDir: dir })).rejects.toMatchObject({ code: 'DATA_DIR' });
      await first.close();
      const second = await startEndpoint({ dataDir: dir });
      open.push(second);
    } finally {
      process.env.PATH = path;
    }
  });
});
