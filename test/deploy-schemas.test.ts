/**
 * deploy/ against the tools and schemas of the systems that read it, as far as they run here:
 * the Dockerfile through dockerfile-utils' linter (the VS Code Docker extension's), the plain
 * Kubernetes manifests through kubernetes-models (ajv over the Kubernetes OpenAPI schemas), the
 * GitHub Actions example through action-validator (SchemaStore's workflow schema, and its
 * expressions), the Grafana dashboard type-checked as Grafana's own Dashboard type. Each check is
 * shown to fail on a broken copy. What needs a runtime, helm or a cluster is not run (deploy/README.md).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateWorkflow } from '@action-validator/core';
import { validate as lintDockerfile } from 'dockerfile-utils';
import { ConfigMap, PersistentVolumeClaim } from 'kubernetes-models/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

const read = (...p: string[]) => readFileSync(join(ROOT, ...p), 'utf8');

describe('deploy/Dockerfile through a Dockerfile linter', () => {
  it('has no diagnostic at all, and a broken copy has', () => {
    const text = read('deploy', 'Dockerfile');
    expect(lintDockerfile(text).map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
    const broken = text.replace('WORKDIR /src', 'WORKDIRR /src').replace(/^USER .*$/m, 'USER');
    expect(lintDockerfile(broken).map((d) => d.message)).toEqual(
      expect.arrayContaining(['Unknown instruction: WORKDIRR', 'Instruction has no arguments']),
    );
  });
});

describe('deploy/k8s/fleetsim-shards.yaml against the Kubernetes OpenAPI schemas', () => {
  const KINDS = { ConfigMap, Job, PersistentVolumeClaim } as const;
  const docs = () =>
    parseAllDocuments(read('deploy', 'k8s', 'fleetsim-shards.yaml')).map((d) => d.toJS() as Record<string, unknown>);
  const check = (doc: Record<string, unknown>) => {
    const Kind = KINDS[doc.kind as keyof typeof KINDS];
    if (!Kind) throw new Error(`no schema for kind ${String(doc.kind)}`);
    new Kind(doc as never).validate();
  };

  it('validates every object as its kind', () => {
    const all = docs();
    expect(all.map((d) => d.kind)).toEqual(['ConfigMap', 'Job', 'Job', 'PersistentVolumeClaim']);
    for (const d of all) expect(() => check(d), String(d.kind)).not.toThrow();
  });

  it('refuses a broken copy: a count that is not a number, a container with no name', () => {
    const job = docs()[1] as {
      spec: { completions: unknown; template: { spec: { containers: { name?: string }[] } } };
    };
    job.spec.completions = 'four';
    expect(() => check(job as never)).toThrow(/completions must be integer/);
    const other = docs()[2] as typeof job;
    delete other.spec.template.spec.containers[0]!.name;
    expect(() => check(other as never)).toThrow(/containers\/0 must have required property name/);
  });
});

describe('deploy/ci/github-actions.yml against the GitHub Actions workflow schema', () => {
  it('is a valid workflow, and a broken copy is not', () => {
    const text = read('deploy', 'ci', 'github-actions.yml');
    expect(validateWorkflow(text).errors).toEqual([]);
    const broken = validateWorkflow(text.replace('runs-on: ubuntu-latest', 'runs_on: ubuntu-latest'));
    expect(broken.errors.length).toBeGreaterThan(0);
  });
});

describe('deploy/ci/gitlab-ci.yml (no GitLab schema validator runs here: its keywords read as GitLab documents them)', () => {
  it('runs the gate and publishes the junit.xml the run writes, whatever the verdict', () => {
    const ci = parse(read('deploy', 'ci', 'gitlab-ci.yml')) as Record<string, Record<string, unknown>>;
    const jobs = Object.entries(ci).filter(([, v]) => v && typeof v === 'object' && 'script' in v);
    expect(jobs).toHaveLength(1);
    const [, job] = jobs[0]!;
    const script = job.script as string[];
    const run = script.find((l) => l.includes('fleetsim run'));
    const out = run?.match(/--out (\S+)/)?.[1];
    expect(out).toBeDefined();
    const artifacts = job.artifacts as { when: string; reports: { junit: string } };
    expect(artifacts.when).toBe('always');
    expect(artifacts.reports.junit).toBe(`${out}/junit.xml`);
    // and GitHub's example publishes the same file
    const gh = read('deploy', 'ci', 'github-actions.yml');
    expect(gh).toContain(`--out ${out} `);
    expect(gh).toContain(`report_paths: ${out}/junit.xml`);
  });
});

describe('deploy/grafana/fleetsim-dashboard.json as Grafana’s Dashboard type (@grafana/schema)', () => {
  /** tsc on a file that assigns the JSON to the type: excess and mistyped fields are errors. */
  function typeCheck(json: unknown): string {
    const dir = mkdtempSync(join(ROOT, 'node_modules', '.grafana-check-'));
    try {
      const file = join(dir, 'dashboard.ts');
      writeFileSync(
        file,
        `import type { Dashboard } from '@grafana/schema';\nexport const d: Dashboard = ${JSON.stringify(json, null, 1)};\n`,
      );
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
          '--target',
          'es2022',
          file,
        ],
        { encoding: 'utf8', cwd: ROOT },
      );
      return r.stdout + r.stderr;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('type-checks (without the export wrapper __inputs/__requires), and a broken copy does not', () => {
    const { __inputs, __requires, ...dashboard } = JSON.parse(read('deploy', 'grafana', 'fleetsim-dashboard.json'));
    expect(__inputs).toBeDefined();
    expect(__requires).toBeDefined();
    expect(typeCheck(dashboard)).toBe('');
    const broken = { ...dashboard, refresh: 10, panels: [{ ...dashboard.panels[1], gridPos: { x: 0, y: 0 } }] };
    const out = typeCheck(broken);
    expect(out).toContain("Type 'number' is not assignable to type 'string'");
    expect(out).toContain("missing the following properties from type 'GridPos': h, w");
  });
});
