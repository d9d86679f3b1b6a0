import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allStates, CATALOGUE, findState, PLATFORMS } from '../protocol/catalogue/catalogue.js';

// The seeds live beside the project (../shared/seeds); test/fixtures/seeds is a verbatim copy for
// checkouts without it, and the first test below keeps the copy identical whenever both exist.
const SHARED_SEEDS = join(__dirname, '..', '..', 'shared', 'seeds');
const FIXTURE_SEEDS = join(__dirname, 'fixtures', 'seeds');
const SEEDS = existsSync(SHARED_SEEDS) ? SHARED_SEEDS : FIXTURE_SEEDS;
const seed = (prefix: string) =>
  readFileSync(join(SEEDS, readdirSync(SEEDS).find((f) => f.startsWith(prefix))!), 'utf8');
const norm = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The iOS table of seed 000, read straight from its pipe-table rows. */
function iosSeedRows(): { status: string; state: string; description: string }[] {
  const text = seed('000');
  const body = text.slice(text.indexOf('Status | State | Description'), text.indexOf('Windows apps'));
  const rows: { status: string; state: string; description: string }[] = [];
  let status = '';
  for (const line of body.split('\n').slice(2)) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 2 || cells[0] === '') continue;
    if (cells.length === 2 || (cells[2] === '' && cells[1] !== '')) {
      // "Licensed Installation Scheduled | description | |": a state row under the previous status
      rows.push({ status, state: cells[0]!, description: cells[1]! });
    } else if (cells[0] !== '' && cells[1] !== '') {
      status = cells[0]!;
      rows.push({ status, state: cells[1]!, description: cells[2]! });
    }
  }
  return rows;
}

/** Status / State / Description triples of seed 001's Android and Windows sections. */
function blockRows(section: string, statuses: string[]): { status: string; state: string; description: string }[] {
  const lines = section
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const rows: { status: string; state: string; description: string }[] = [];
  let status = '';
  for (let i = 0; i < lines.length; i++) {
    if (statuses.includes(lines[i]!)) {
      status = lines[i]!;
      continue;
    }
    if (status && i + 1 < lines.length && !statuses.includes(lines[i + 1]!)) {
      rows.push({ status, state: lines[i]!, description: lines[i + 1]! });
      i++;
    }
  }
  return rows;
}

function labelsOf(platform: (typeof PLATFORMS)[number]) {
  return CATALOGUE[platform].statuses.flatMap((s) =>
    s.states.map((st) => ({ status: s.label, state: st.label, description: st.description })),
  );
}

describe('status catalogue', () => {
  it.skipIf(!existsSync(SHARED_SEEDS))(
    'reads seeds identical to ../shared/seeds (test/fixtures/seeds is a verbatim copy)',
    () => {
      const names = readdirSync(SHARED_SEEDS).sort();
      expect(readdirSync(FIXTURE_SEEDS).sort()).toEqual(names);
      for (const n of names)
        expect(readFileSync(join(FIXTURE_SEEDS, n), 'utf8'), n).toBe(readFileSync(join(SHARED_SEEDS, n), 'utf8'));
    },
  );

  it('holds every row of the MaaS360 iOS table verbatim (seed 000)', () => {
    const rows = iosSeedRows();
    expect(rows.length).toBe(23);
    const cat = labelsOf('ios');
    for (const r of rows) {
      const hit = cat.find((c) => c.status === r.status && c.state === r.state);
      expect(hit, `${r.status} / ${r.state}`).toBeDefined();
      if (r.state !== 'Device Criteria') expect(norm(hit!.description)).toBe(norm(r.description));
    }
    expect(cat.length).toBe(rows.length);
  });

  it('completes the iOS Device Criteria description from seed 001', () => {
    const text = norm(seed('001'));
    const dc = findState('ios', 'not_relevant', 'device_criteria')!;
    for (const sentence of dc.description.split(': ')[1]!.split('. ')) {
      expect(text).toContain(sentence.replace(/\.$/, ''));
    }
  });

  it('holds every Android and Windows row of seed 001 verbatim', () => {
    const text = seed('001');
    const android = text.slice(text.indexOf('Android devices have their own'), text.indexOf('Admin can use above'));
    const aRows = blockRows(
      android
        .split('\n')
        .slice(1)
        .join('\n')
        .replace(/^\s*Status\s*$|^\s*State\s*$|^\s*Description\s*$/gm, ''),
      ['Success', 'Installing', 'Pending Install', 'Pending Update', 'Removed after Installation', 'Failed'],
    );
    expect(aRows.length).toBe(28);
    const aCat = labelsOf('android');
    for (const r of aRows) {
      const hit = aCat.find((c) => c.status === r.status && c.state === r.state);
      expect(hit, `android ${r.status} / ${r.state}`).toBeDefined();
      expect(norm(hit!.description)).toBe(norm(r.description));
    }
    expect(aCat.length).toBe(aRows.length);

    const windows = text.slice(
      text.indexOf('In addition to above states for Windows'),
      text.indexOf('Android devices have their own'),
    );
    const wRows = blockRows(
      windows
        .split('\n')
        .slice(1)
        .join('\n')
        .replace(/^\s*Status\s*$|^\s*State\s*$|^\s*Description\s*$/gm, ''),
      ['Failed'],
    );
    expect(wRows.length).toBe(6);
    const wCat = labelsOf('windows');
    for (const r of wRows) {
      const hit = wCat.find((c) => c.status === r.status && c.state === r.state);
      expect(hit, `windows ${r.status} / ${r.state}`).toBeDefined();
      expect(norm(hit!.description)).toBe(norm(r.description));
    }
  });

  it('holds every DME status message of seed 002', () => {
    const text = norm(seed('002'));
    const messages = [
      'Waiting for bootstrap',
      'Waiting for download',
      'Installing software',
      'Installed – Waiting for verification',
      'Downloaded – Waiting for verification',
      'Installed',
      'Downloaded',
      'Installed – Verified',
      'Downloaded – Verified',
      // the Errors row: one message per column, "either of these two messages"
      'Installation failed',
      'Unknown status',
    ];
    const cat = labelsOf('dme');
    expect(cat.map((c) => c.state).sort()).toEqual([...messages].sort());
    for (const c of cat) {
      expect(text).toContain(c.state);
      expect(text).toContain(norm(c.description));
    }
  });

  it('gives every state a unique id within its status and a well-formed native code', () => {
    for (const p of PLATFORMS) {
      for (const s of CATALOGUE[p].statuses) {
        const ids = s.states.map((st) => st.id);
        expect(new Set(ids).size, `${p}/${s.id}`).toBe(ids.length);
      }
    }
    for (const { state } of allStates()) {
      if (state.native) expect(state.native).toMatch(/^(apple|msi|scomo|pkg|amapi):[A-Za-z0-9_]+$/);
    }
  });
});
