/**
 * Android install lifecycle (MaaS360 Android table, seed 001; PackageInstaller STATUS_* and
 * Android Management API reasons as native codes). Weights and delays are assumptions.
 */
import { exponential, lognormal, uniform } from '../delay.js';
import type { LifecycleModel } from './model.js';

/** FCM push -> device acts on the policy: assumption, median 1 min. */
const CHECK_IN = lognormal(60_000, 1.2);

export const androidModel: LifecycleModel = {
  platform: 'android',
  start: 'not_installed',
  nodes: {
    not_installed: {
      status: 'pending_install', state: 'not_installed',
      out: [{ to: 'checked_in', delay: CHECK_IN, why: 'device received the policy' }],
    },
    checked_in: {
      out: [
        { to: 'not_compatible', weight: 0.02, why: 'app not compatible with the device configuration' },
        { to: 'download_scheduled', weight: 0.1, why: 'download deferred to a maintenance window' },
        { to: 'downloading', weight: 0.88, delay: uniform(500, 3_000), why: 'download started' },
      ],
    },
    download_scheduled: {
      status: 'pending_install', state: 'download_scheduled',
      out: [{ to: 'downloading', delay: exponential(1_800_000), why: 'scheduled window opened' }],
    },
    downloading: {
      status: 'installing', state: 'downloading',
      out: [
        { to: 'installed', weight: 0.95, delay: lognormal(40_000, 0.8), why: 'downloaded and installed' },
        { to: 'oem_failed', weight: 0.03, delay: lognormal(20_000, 0.8), why: 'the OEM server refused the request' },
        { to: 'unexpected', weight: 0.02, delay: lognormal(20_000, 0.8), why: 'installer reported an unexpected error' },
      ],
    },
    installed: { status: 'success', state: 'installed' },
    not_compatible: { status: 'failed', state: 'not_compatible' },
    oem_failed: { status: 'failed', state: 'oem_server_failed' },
    unexpected: { status: 'failed', state: 'unexpected_error' },
  },
};
