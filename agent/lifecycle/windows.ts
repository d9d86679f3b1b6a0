/**
 * Windows install lifecycle: download -> decrypt -> checksum -> launch installer -> install, each
 * step able to fail with its seed state (seed 001); MSI CSP status codes 10..70 as native codes.
 * Weights and delays are assumptions.
 */
import { lognormal, uniform } from '../delay.js';
import type { LifecycleModel } from './model.js';

/** WNS push / OMA-DM session start: assumption, median 2 min. */
const CHECK_IN = lognormal(120_000, 1);

export const windowsModel: LifecycleModel = {
  platform: 'windows',
  start: 'start',
  nodes: {
    start: {
      out: [
        { to: 'relevance_not_met', when: { relevant: false }, why: 'relevance criteria not met' },
        { to: 'command_scheduled', when: { relevant: true }, why: 'install command queued' },
      ],
    },
    command_scheduled: {
      status: 'pending_install', state: 'command_scheduled',
      out: [{ to: 'installing', delay: CHECK_IN, why: 'device synced and started the job' }],
    },
    installing: {
      status: 'installing', state: 'installing', native: 'msi:20',
      out: [
        { to: 'downloaded', weight: 0.97, delay: lognormal(60_000, 0.7), why: 'download completed' },
        { to: 'failed_download', weight: 0.03, delay: lognormal(60_000, 0.7), why: 'download failed' },
      ],
    },
    downloaded: {
      out: [
        { to: 'decrypted', weight: 0.99, delay: uniform(500, 3_000), why: 'package decrypted' },
        { to: 'failed_decryption', weight: 0.01, delay: uniform(500, 3_000), why: 'decryption failed' },
      ],
    },
    decrypted: {
      out: [
        { to: 'verified', weight: 0.98, delay: uniform(200, 1_000), why: 'checksum matched' },
        { to: 'failed_checksum', weight: 0.02, delay: uniform(200, 1_000), why: 'checksum mismatch' },
      ],
    },
    verified: {
      out: [
        { to: 'launched', weight: 0.99, delay: uniform(500, 2_000), why: 'installer launched' },
        { to: 'failed_launch', weight: 0.01, delay: uniform(500, 2_000), why: 'installer could not be launched' },
      ],
    },
    launched: {
      out: [
        { to: 'installed', weight: 0.97, delay: lognormal(30_000, 0.7), why: 'installer succeeded' },
        { to: 'installation_failed', weight: 0.03, delay: lognormal(30_000, 0.7), why: 'installer returned an error' },
      ],
    },
    installed: { status: 'installed', state: 'installed' },
    failed_download: { status: 'failed', state: 'failed_download' },
    failed_decryption: { status: 'failed', state: 'failed_decryption' },
    failed_checksum: { status: 'failed', state: 'failed_checksum' },
    failed_launch: { status: 'failed', state: 'failed_launch_installer' },
    installation_failed: { status: 'failed', state: 'installation_failed' },
    relevance_not_met: { status: 'failed', state: 'relevance_not_met' },
  },
};
