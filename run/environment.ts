/** The machine a run ran on, as its result records it. */
import { cpus, hostname } from 'node:os';
import { VERSION } from '../protocol/version.js';
import type { RunResult } from '../result/result.js';

export function environment(): RunResult['environment'] {
  return {
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    cpus: cpus().length,
    hostname: hostname(),
    fleetsim: VERSION,
  };
}
