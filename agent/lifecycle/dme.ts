/**
 * DME lifecycle (seed 002): OMA DM installs wait for bootstrap and fall back to a download link
 * when it fails; download links wait for the user; DME clients are verified at the next
 * system-info sync (at once when that version was already there); other software ends Installed
 * or Downloaded. Weights and delays are assumptions.
 */
import { exponential, lognormal, uniform } from '../delay.js';
import type { LifecycleModel } from './model.js';

export const dmeModel: LifecycleModel = {
  platform: 'dme',
  start: 'start',
  nodes: {
    start: {
      out: [
        { to: 'waiting_bootstrap', when: { method: 'oma-dm' }, why: 'OMA DM install on a device not yet bootstrapped' },
        { to: 'waiting_download', when: { method: 'download-link' }, why: 'download link sent (WAP/SMS push or Mark for Install)' },
      ],
    },
    waiting_bootstrap: {
      status: 'installing', state: 'waiting_for_bootstrap',
      out: [
        { to: 'installing_dm', weight: 0.9, delay: exponential(3_600_000), why: 'device bootstrapped' },
        { to: 'waiting_download', weight: 0.1, delay: uniform(3_600_000, 86_400_000), why: 'bootstrap failed; fell back to a download link' },
      ],
    },
    waiting_download: {
      status: 'installing', state: 'waiting_for_download',
      out: [{ to: 'installing_dl', delay: exponential(7_200_000), why: 'user opened the link / synced' }],
    },
    installing_dm: {
      status: 'installing', state: 'installing_software',
      out: [
        { to: 'installed_wait', weight: 0.97, when: { software: 'dme-client' }, delay: lognormal(60_000, 0.7), why: 'DME client installed by the OMA DM client' },
        { to: 'installed_other', weight: 0.97, when: { software: 'other' }, delay: lognormal(60_000, 0.7), why: 'software installed' },
        { to: 'failed', weight: 0.03, delay: lognormal(60_000, 0.7), why: 'installation failed' },
      ],
    },
    installing_dl: {
      status: 'installing', state: 'installing_software',
      out: [
        { to: 'downloaded_wait', weight: 0.97, when: { software: 'dme-client' }, delay: lognormal(60_000, 0.7), why: 'DME client downloaded by the user' },
        { to: 'downloaded_other', weight: 0.97, when: { software: 'other' }, delay: lognormal(60_000, 0.7), why: 'software downloaded' },
        { to: 'failed', weight: 0.03, delay: lognormal(60_000, 0.7), why: 'installation failed' },
      ],
    },
    installed_wait: {
      status: 'installing', state: 'installed_waiting_verification',
      out: [{ to: 'installed_verified', delay: exponential(14_400_000), why: 'system-info sync reported the new version' }],
    },
    downloaded_wait: {
      status: 'installing', state: 'downloaded_waiting_verification',
      out: [{ to: 'downloaded_verified', delay: exponential(14_400_000), why: 'system-info sync reported the new version' }],
    },
    installed_verified: { status: 'installed', state: 'installed_verified' },
    downloaded_verified: { status: 'installed', state: 'downloaded_verified' },
    installed_other: { status: 'installed', state: 'installed' },
    downloaded_other: { status: 'installed', state: 'downloaded' },
    failed: { status: 'errors', state: 'installation_failed' },
  },
};
