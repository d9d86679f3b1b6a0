/**
 * DME lifecycle (seed 002, "Installation status messages"): an OMA DM install waits for the
 * bootstrap and falls back to a download link when it fails; a download link (WAP / SMS push, or
 * Mark for Install that waits for the user's next sync) waits for the user; a DME client is
 * verified at the next system-info sync, at once when that version was already on the device;
 * other software ends Installed or Downloaded without verification; an OMA DM install that fails
 * ends in "Installation failed", a download-link install in "Unknown status" (the seed's Errors
 * row, one message per column). Leaving the Installed table after 7 days is the
 * endpoint's job. The seed has no update states for DME. Weights and delays are assumptions.
 */
import { exponential, lognormal, uniform } from '../../../core/delay.js';
import type { DeviceProfile } from '../../lifecycle/device-profile.js';
import { CHECK_IN, END, type LifecycleModel } from '../../lifecycle/model.js';
import type { TraitsOf } from '../../lifecycle/traits.js';

/** How a DME handset syncs and is offline (docs/lifecycles.md, "The device"). */
export const dmeDevice: DeviceProfile = {
  diskFull: ['installing_dm->failed', 'installing_dl->failed_unknown'],
  causes: [
    {
      name: 'dme-install-error',
      transitions: ['installing_dm->failed', 'installing_dl->failed_unknown'],
      share: 0.005,
      why: 'the installation fails on the handset',
      source: 'assumption: no published failure rates; a small share, persistent on the device',
    },
  ],
  checkIn: {
    session: exponential(14_400_000),
    commandGapMs: 0,
    source:
      'assumption: the user syncs the DME client about every 4 h (no published figure); no push: OMA DM jobs and Mark for Install wait for that sync',
  },
  connectivity: {
    checkInsWait: true,
    offline: 0.02,
    outage: lognormal(1_800_000, 1),
    source: 'assumption: 2 % of the time offline, outages of median 30 min',
  },
};

/** The traits the DME model's guards read: the installation method and the kind of software. */
export const DME_TRAITS = {
  method: ['oma-dm', 'download-link'],
  software: ['dme-client', 'other'],
} as const;

export const dmeModel: LifecycleModel<TraitsOf<typeof DME_TRAITS>> = {
  platform: 'dme',
  start: 'start',
  // Assumption: the user's next sync (Mark for Install, system-info verification), mean 4 h.
  checkIn: exponential(14_400_000),
  checkInSource: 'assumption: the user syncs the DME client about every 4 h (no published figure)',
  nodes: {
    start: {
      out: [
        { to: 'waiting_bootstrap', when: { method: 'oma-dm' }, why: 'OMA DM install on a device not yet bootstrapped' },
        { to: 'link_sent', when: { method: 'download-link' }, why: 'download-link installation' },
      ],
    },
    // The bootstrap belongs to the device, once: its OMA DM jobs all start when it comes online,
    // wait for the same bootstrap and take the same way (agent/device draws it from these two).
    waiting_bootstrap: {
      status: 'installing',
      state: 'waiting_for_bootstrap',
      out: [
        {
          to: 'installing_dm',
          weight: 0.9,
          delay: exponential(3_600_000),
          device: 'bootstrap-ok',
          until: 'bootstrap',
          why: 'device bootstrapped',
        },
        {
          to: 'link_sent',
          weight: 0.1,
          delay: uniform(3_600_000, 86_400_000),
          device: 'bootstrap-failed',
          until: 'bootstrap',
          why: 'bootstrap failed; fell back to a download link',
        },
      ],
    },
    link_sent: {
      out: [
        { to: 'waiting_push', weight: 0.6, delay: uniform(1_000, 30_000), why: 'WAP / SMS push sent' },
        {
          to: 'waiting_sync',
          weight: 0.4,
          delay: uniform(1_000, 30_000),
          why: 'marked for install; waits for the next sync',
        },
      ],
    },
    waiting_push: {
      status: 'installing',
      state: 'waiting_for_download',
      out: [
        { to: 'installing_dl', weight: 0.97, delay: lognormal(7_200_000, 1.2), why: 'user opened the pushed link' },
        { to: END, weight: 0.03, why: 'the push was never opened' },
      ],
    },
    waiting_sync: {
      status: 'installing',
      state: 'waiting_for_download',
      out: [{ to: 'installing_dl', delay: CHECK_IN, why: 'user synced and received the link' }],
    },
    installing_dm: {
      status: 'installing',
      state: 'installing_software',
      out: [
        { to: 'dm_done', weight: 0.97, delay: lognormal(60_000, 0.7), why: 'installed by the OMA DM client' },
        { to: 'failed', weight: 0.03, delay: lognormal(60_000, 0.7), why: 'installation failed' },
      ],
    },
    installing_dl: {
      status: 'installing',
      state: 'installing_software',
      out: [
        { to: 'dl_done', weight: 0.97, delay: lognormal(60_000, 0.7), why: 'downloaded and installed by the user' },
        {
          to: 'failed_unknown',
          weight: 0.03,
          delay: lognormal(60_000, 0.7),
          why: 'the download-link install failed: the server knows no status for it',
        },
      ],
    },
    dm_done: {
      out: [
        { to: 'dm_verify', when: { software: 'dme-client' }, why: 'a DME client is verified' },
        { to: 'installed_other', when: { software: 'other' }, why: 'other software cannot be verified' },
      ],
    },
    dl_done: {
      out: [
        { to: 'dl_verify', when: { software: 'dme-client' }, why: 'a DME client is verified' },
        { to: 'downloaded_other', when: { software: 'other' }, why: 'other software cannot be verified' },
      ],
    },
    dm_verify: {
      out: [
        { to: 'installed_wait', weight: 0.9, why: 'a new version: verified at the next system-info sync' },
        { to: 'installed_verified', weight: 0.1, why: 'that version was already on the device: verified at once' },
      ],
    },
    dl_verify: {
      out: [
        { to: 'downloaded_wait', weight: 0.9, why: 'a new version: verified at the next system-info sync' },
        { to: 'downloaded_verified', weight: 0.1, why: 'that version was already on the device: verified at once' },
      ],
    },
    installed_wait: {
      status: 'installing',
      state: 'installed_waiting_verification',
      out: [{ to: 'installed_verified', delay: CHECK_IN, why: 'system-info sync reported the new version' }],
    },
    downloaded_wait: {
      status: 'installing',
      state: 'downloaded_waiting_verification',
      out: [{ to: 'downloaded_verified', delay: CHECK_IN, why: 'system-info sync reported the new version' }],
    },
    installed_verified: { status: 'installed', state: 'installed_verified' },
    downloaded_verified: { status: 'installed', state: 'downloaded_verified' },
    installed_other: { status: 'installed', state: 'installed' },
    downloaded_other: { status: 'installed', state: 'downloaded' },
    failed: { status: 'errors', state: 'installation_failed' },
    failed_unknown: { status: 'errors', state: 'unknown_status' },
  },
};
