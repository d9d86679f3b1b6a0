/**
 * deploy/k8s/fleetsim-shards.yaml, tested locally: the Indexed Job's own shell command runs once
 * per completion index as a separate process (JOB_COMPLETION_INDEX set as Kubernetes sets it),
 * against a local endpoint, then the merge Job's command; the merged result must reconcile the
 * whole fleet. Only the addresses and paths in the manifest's env are replaced by local ones.
 */
import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { startEndpoint } from '../broker/endpoint.js';
import { ROOT, SMALL_SCENARIO, tempDir, writeTemp } from './helpers.js';

interface Container {
  env: { name: string; value: string }[];
  command: string[];
  args: string[];
}
interface Job {
  kind: string;
  metadata: { name: string };
  spec: { completions?: number; completionMode?: string; template: { spec: { containers: Container[] } } };
}

function sh(script: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', script], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('the Kubernetes Indexed Job example', () => {
  it('runs its shards as processes and its merge step reconciles the whole fleet', async () => {
    const docs = parseAllDocuments(readFileSync(join(ROOT, 'deploy', 'k8s', 'fleetsim-shards.yaml'), 'utf8')).map(
      (d) => d.toJS() as Job,
    );
    const shards = docs.find((d) => d.metadata.name === 'fleetsim-shards')!;
    const merge = docs.find((d) => d.metadata.name === 'fleetsim-merge')!;
    expect(shards.spec.completionMode).toBe('Indexed');
    const shardC = shards.spec.template.spec.containers[0]!;
    const mergeC = merge.spec.template.spec.containers[0]!;
    const envOf = (c: Container) => Object.fromEntries(c.env.map((e) => [e.name, String(e.value)]));
    expect(Number(envOf(shardC).SHARDS)).toBe(shards.spec.completions);
    expect(shardC.command).toEqual(['/bin/sh', '-c']);

    // `fleetsim` on PATH, as in the image
    const bin = tempDir();
    writeFileSync(
      join(bin, 'fleetsim'),
      `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'bin', 'fleetsim.js')}" "$@"\n`,
    );
    chmodSync(join(bin, 'fleetsim'), 0o755);
    const endpoint = await startEndpoint();
    try {
      const results = tempDir();
      const local = {
        PATH: `${bin}:${process.env.PATH}`,
        SCENARIO: writeTemp('k8s.yaml', SMALL_SCENARIO),
        TRANSPORT: 'http',
        TARGET: endpoint.httpUrl,
        TALLIES_URL: endpoint.httpUrl,
        RESULTS: results,
      };
      const runs = Array.from({ length: shards.spec.completions! }, (_, i) =>
        sh(shardC.args[0]!, { ...envOf(shardC), ...local, JOB_COMPLETION_INDEX: String(i) }),
      );
      for (const r of await Promise.all(runs)) {
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
      }
      const m = await sh(mergeC.args[0]!, { ...envOf(mergeC), ...local });
      expect(m.stderr).toBe('');
      expect(m.code).toBe(0);
      const merged = JSON.parse(readFileSync(join(results, 'merged', 'report.json'), 'utf8'));
      expect(merged).toMatchObject({
        passed: true,
        parts: shards.spec.completions,
        devices: { total: 200 },
        reconciliation: { checked: true, match: true },
      });
    } finally {
      await endpoint.close();
    }
  });
});
