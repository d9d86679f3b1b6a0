/**
 * deploy/ checked as far as this machine can (no container runtime, no cluster, no helm): the
 * Dockerfile copies only what exists and what .dockerignore lets into the context, and runs as
 * a non-root user; the Helm chart's templates read only values that values.yaml defines and
 * documents, and every value is read; the Grafana dashboard loads and queries only metrics
 * fleetsim exports. docs in deploy/README.md say what was not run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { newLatencyHistogram } from '../drive/metrics.js';
import { RunMetricsEndpoint } from '../run/outputs/prometheus.js';
import { ROOT } from './helpers.js';

const read = (...p: string[]) => readFileSync(join(ROOT, ...p), 'utf8');

describe('deploy/Dockerfile', () => {
  const dockerfile = read('deploy', 'Dockerfile');
  const ignored = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('has a build stage and a runtime stage that runs as a non-root user', () => {
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^FROM node:20-slim AS build$/m);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^USER 1000:1000$/m);
    expect(runtime).not.toMatch(/npm ci|npm install/);
    expect(dockerfile).toContain('npm prune --omit=dev');
  });

  it('copies into the build only files that exist and that .dockerignore lets in', () => {
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    for (const s of sources.filter((x) => x !== '.')) {
      expect(existsSync(join(ROOT, s)), s).toBe(true);
      expect(ignored, s).not.toContain(s);
    }
    // what the runtime stage takes from the build must not be kept out of the context
    for (const m of dockerfile.matchAll(/^COPY --from=build \/src\/(\S+) /gm)) {
      const top = m[1]!.split('/')[0]!;
      if (top === 'node_modules' || top === 'dist') continue; // made in the build stage
      expect(ignored, top).not.toContain(top);
      expect(existsSync(join(ROOT, top)), top).toBe(true);
    }
    for (const keepOut of ['node_modules', 'dist', 'out', '.git']) expect(ignored).toContain(keepOut);
  });
});

describe('deploy/helm/fleetsim', () => {
  const dir = join(ROOT, 'deploy', 'helm', 'fleetsim');
  const chart = parse(read('deploy', 'helm', 'fleetsim', 'Chart.yaml'));
  const valuesText = read('deploy', 'helm', 'fleetsim', 'values.yaml');
  const values = parse(valuesText) as Record<string, unknown>;
  const templates = readdirSync(join(dir, 'templates')).map((f) => read('deploy', 'helm', 'fleetsim', 'templates', f));
  const used = new Set(templates.flatMap((t) => [...t.matchAll(/\.Values\.([\w.]+)/g)].map((m) => m[1]!)));

  const has = (path: string) => {
    let v: unknown = values;
    for (const k of path.split('.')) {
      if (v === null || typeof v !== 'object' || !(k in (v as object))) return false;
      v = (v as Record<string, unknown>)[k];
    }
    return true;
  };

  it('is a v2 chart whose appVersion is the package version', () => {
    expect(chart.apiVersion).toBe('v2');
    expect(chart.appVersion).toBe(JSON.parse(read('package.json')).version);
  });

  it('reads only values that values.yaml defines', () => {
    expect(used.size).toBeGreaterThan(10);
    for (const path of used) expect(has(path), `.Values.${path}`).toBe(true);
  });

  it('reads every value it defines, and documents every top-level one in its README', () => {
    const readme = read('deploy', 'helm', 'fleetsim', 'README.md');
    for (const key of Object.keys(values)) {
      expect(
        [...used].some((u) => u === key || u.startsWith(`${key}.`)),
        `${key} is never read`,
      ).toBe(true);
      expect(readme, `${key} in README.md`).toContain(`\`${key}`);
    }
  });

  it('runs the shards as an Indexed Job with a merge step and a ServiceMonitor behind a switch', () => {
    const all = templates.join('\n');
    expect(all).toContain('completionMode: Indexed');
    expect(all).toContain('fleetsim run "$SCENARIO"');
    expect(all).toContain('--shard "$((JOB_COMPLETION_INDEX + 1))/$SHARDS"');
    expect(all).toContain('exec fleetsim merge "$RESULTS"/shard-*');
    expect(all).toMatch(/kind: ServiceMonitor/);
    expect(all).toContain('.Values.metrics.serviceMonitor.enabled');
    // Go template braces balance in every file
    for (const t of templates) expect((t.match(/\{\{/g) ?? []).length).toBe((t.match(/\}\}/g) ?? []).length);
  });
});

describe('deploy/grafana/fleetsim-dashboard.json', () => {
  const dash = JSON.parse(read('deploy', 'grafana', 'fleetsim-dashboard.json'));
  const panels = dash.panels as { type: string; title: string; targets?: { expr: string }[]; gridPos: object }[];

  it('loads as a dashboard with a Prometheus input and panels that query', () => {
    expect(dash.__inputs[0].pluginId).toBe('prometheus');
    expect(dash.uid).toBe('fleetsim-run');
    const queried = panels.filter((p) => p.type !== 'row');
    expect(queried.length).toBeGreaterThanOrEqual(8);
    for (const p of queried) expect(p.targets?.length, p.title).toBeGreaterThan(0);
  });

  it('queries run-side metrics that fleetsim run --metrics-port exports', async () => {
    const ack = newLatencyHistogram();
    ack.recordValue(1000);
    const zero = { offered: 0, sent: 0, acked: 0, failed: 0, retried: 0, inFlight: 0, window: 0, connections: 0 };
    const figures = {
      ...zero,
      devicesOnline: 0,
      devicesDone: 0,
      devicesTotal: 0,
      installsDone: 0,
      installsTotal: 0,
      ack,
    };
    const ep = new RunMetricsEndpoint({
      port: 0,
      host: '127.0.0.1',
      labels: { scenario: 's' },
      figures: () => figures,
    });
    const url = await ep.start();
    let exported: string;
    try {
      exported = await (await request(url)).body.text();
    } finally {
      await ep.close();
    }
    const names = new Set(
      panels.flatMap((p) =>
        (p.targets ?? []).flatMap((t) =>
          [...t.expr.matchAll(/\b(fleetsim_run_\w+?)(?:_bucket)?\b[{[]/g)].map((m) => m[1]!),
        ),
      ),
    );
    expect(names.size).toBeGreaterThan(5);
    for (const n of names) expect(exported, n).toMatch(new RegExp(`^${n}(_bucket)?[{ ]`, 'm'));
  });

  it('queries endpoint metrics that fleetsim serve exports', () => {
    const exported = read('broker', 'endpoint-metrics.ts');
    const names = new Set(
      panels.flatMap((p) =>
        (p.targets ?? []).flatMap((t) =>
          [...t.expr.matchAll(/\b(fleetsim_(?!run_)\w+?)(?:_bucket)?\b[{[]/g)].map((m) => m[1]!),
        ),
      ),
    );
    expect(names.size).toBeGreaterThan(4);
    for (const n of names) expect(exported, n).toMatch(new RegExp(`\\b${n}\\b`));
  });
});

describe('deploy/k8s/fleetsim-shards.yaml against the Kubernetes API types', () => {
  it('type-checks every object as its kind (kubernetes-types 1.30, excess fields refused)', () => {
    const docs = parseAllDocuments(read('deploy', 'k8s', 'fleetsim-shards.yaml')).map((d) => d.toJS());
    const types: Record<string, [string, string]> = {
      ConfigMap: ['kubernetes-types/core/v1', 'ConfigMap'],
      PersistentVolumeClaim: ['kubernetes-types/core/v1', 'PersistentVolumeClaim'],
      Job: ['kubernetes-types/batch/v1', 'Job'],
    };
    const lines = docs.map((d, i) => {
      const t = types[d.kind];
      expect(t, d.kind).toBeDefined();
      return `import type { ${t![1]} as T${i} } from '${t![0]}';\nexport const o${i}: T${i} = ${JSON.stringify(d)};`;
    });
    const dir = mkdtempSync(join(ROOT, 'node_modules', '.k8s-check-'));
    try {
      writeFileSync(join(dir, 'manifests.ts'), lines.join('\n'));
      const r = spawnSync(
        process.execPath,
        [
          join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
          '--noEmit',
          '--strict',
          '--skipLibCheck',
          '--moduleResolution',
          'bundler',
          '--module',
          'esnext',
          join(dir, 'manifests.ts'),
        ],
        { encoding: 'utf8' },
      );
      expect(r.stdout + r.stderr).toBe('');
      expect(r.status).toBe(0);
      // and the check can fail: a misspelt field is refused
      writeFileSync(join(dir, 'manifests.ts'), lines.join('\n').replace('"completionMode"', '"completionMod"'));
      const bad = spawnSync(
        process.execPath,
        [
          join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
          '--noEmit',
          '--strict',
          '--skipLibCheck',
          '--moduleResolution',
          'bundler',
          '--module',
          'esnext',
          join(dir, 'manifests.ts'),
        ],
        { encoding: 'utf8' },
      );
      expect(bad.stdout).toContain('completionMod');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
