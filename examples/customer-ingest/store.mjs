// Where reports end up: PostgreSQL (the customer's table, schema.sql) or memory. Writes are
// batched and flushed every `flushMs`, as a real ingestion pipeline does, so what a reader sees
// lags what the devices were told: fleetsim has to wait for the counts to settle.
import pg from 'pg';

const COLUMNS = [
  'tenant',
  'serial',
  'os',
  'bundle',
  'version',
  'deployment',
  'phase',
  'detail',
  'vendor_code',
  'counter',
  'observed_at',
];

const key = (r) => `${r.tenant}\u0000${r.serial}\u0000${r.bundle}`;

/** Keeps the newest (highest counter) report per key. */
function keepNewest(map, row) {
  const old = map.get(key(row));
  if (!old || old.counter < row.counter) map.set(key(row), row);
}

export function memoryStore({ flushMs = 50 } = {}) {
  const rows = new Map();
  let pending = new Map();
  const timer = setInterval(() => flush(), flushMs);
  function flush() {
    for (const r of pending.values()) keepNewest(rows, r);
    pending = new Map();
  }
  const select = (tenant, bundle) => [...rows.values()].filter((r) => r.tenant === tenant && r.bundle === bundle);
  return {
    kind: 'memory',
    enqueue: (row) => keepNewest(pending, row),
    async summary(tenant, bundle) {
      const counts = new Map();
      for (const r of select(tenant, bundle)) {
        const k = `${r.os}\u0000${r.phase}\u0000${r.detail}`;
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
      return [...counts].map(([k, devices]) => {
        const [os, phase, detail] = k.split('\u0000');
        return { os, phase, detail, devices };
      });
    },
    async devices(tenant, bundle) {
      return select(tenant, bundle).map(({ serial, os, phase, detail, counter }) => ({
        serial,
        os,
        phase,
        detail,
        counter,
      }));
    },
    async close() {
      clearInterval(timer);
      flush();
    },
  };
}

export async function postgresStore(connectionString, { flushMs = 50, batch = 500 } = {}) {
  const pool = new pg.Pool({ connectionString, max: 4 });
  pool.on('error', (err) => console.error(`postgres: ${err.message}`));
  let pending = new Map();
  let writing = Promise.resolve();
  const upsert = async (rows) => {
    for (let i = 0; i < rows.length; i += batch) {
      const part = rows.slice(i, i + batch);
      const values = [];
      const tuples = part.map((r, j) => {
        values.push(
          r.tenant,
          r.serial,
          r.os,
          r.bundle,
          r.version,
          r.deployment,
          r.phase,
          r.detail,
          r.vendorCode,
          r.counter,
          r.observedAt,
        );
        return `(${COLUMNS.map((_, c) => `$${j * COLUMNS.length + c + 1}`).join(', ')})`;
      });
      // the newest counter wins, whatever order reports arrive in
      await pool.query(
        `INSERT INTO device_software_status (${COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}
         ON CONFLICT (tenant, serial, bundle) DO UPDATE SET
           os = EXCLUDED.os, version = EXCLUDED.version, deployment = EXCLUDED.deployment, phase = EXCLUDED.phase,
           detail = EXCLUDED.detail, vendor_code = EXCLUDED.vendor_code, counter = EXCLUDED.counter,
           observed_at = EXCLUDED.observed_at, received_at = now()
         WHERE device_software_status.counter < EXCLUDED.counter`,
        values,
      );
    }
  };
  const flush = () => {
    if (pending.size === 0) return writing;
    const rows = [...pending.values()];
    pending = new Map();
    writing = writing.then(() => upsert(rows)).catch((err) => console.error(`postgres write failed: ${err.message}`));
    return writing;
  };
  const timer = setInterval(flush, flushMs);
  return {
    kind: 'postgres',
    enqueue: (row) => keepNewest(pending, row),
    async summary(tenant, bundle) {
      const r = await pool.query(
        'SELECT os, phase, detail, count(*)::int AS devices FROM device_software_status WHERE tenant = $1 AND bundle = $2 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3',
        [tenant, bundle],
      );
      return r.rows;
    },
    async devices(tenant, bundle) {
      const r = await pool.query(
        'SELECT serial, os, phase, detail, counter FROM device_software_status WHERE tenant = $1 AND bundle = $2 ORDER BY serial',
        [tenant, bundle],
      );
      return r.rows;
    },
    async close() {
      clearInterval(timer);
      await flush();
      await pool.end();
    },
  };
}
