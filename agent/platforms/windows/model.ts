/**
 * Windows install and update lifecycle: download -> decrypt -> checksum -> launch installer ->
 * install, each step able to fail with its seed state (seed 001). Native codes are the
 * EnterpriseDesktopAppManagement (MSI) CSP Status values: 10 initialized, 20 download in
 * progress, 25 pending download retry, 30 download failed, 40 download completed, 50 enforcement
 * in progress, 55 pending enforcement retry, 60 enforcement failed, 70 enforcement completed.
 *
 * An update is another MSI job, as quiet as the install (the CSP has no user prompt), with its
 * retries and failures. A Microsoft Store app (`windows.installer: store`) has no MSI job: it
 * installs from the Store and its updates are offered to the user. Pending Install / Command
 * Scheduled is reported without a CSP code until the device has the job (then 10, initialized).
 *
 * Retries follow the CSP's MsiInstallJob: a failed download (the hash check is part of it) or a
 * failed enforcement is retried RetryCount times, RetryTimeout minutes apart, before it is
 * reported failed. The defaults (3 retries, 5 minutes) are the values in Microsoft's CSP example;
 * weights and the other delays are assumptions (docs/lifecycles.md).
 */
import { fixed, lognormal, uniform } from '../../../core/delay.js';
import type { DeviceProfile } from '../../lifecycle/device-profile.js';
import { END, PUSHED, type LifecycleModel, type LifecycleNode } from '../../lifecycle/model.js';
import type { TraitsOf } from '../../lifecycle/traits.js';

/** How a Windows PC checks in and is offline (docs/lifecycles.md, "The device"). */
export const windowsDevice: DeviceProfile = {
  diskFull: ['downloading->failed_download', 'u_downloading->failed_download'],
  causes: [
    {
      name: 'windows-proxy',
      transitions: ['downloading->failed_download', 'u_downloading->failed_download'],
      share: 0.004,
      why: 'a proxy blocks the package download',
      source: 'assumption: no published failure rates; a small share, persistent on the device',
    },
    {
      name: 'windows-msi-1603',
      transitions: ['enforcing->installation_failed', 'u_enforcing->installation_failed'],
      share: 0.004,
      why: 'the installer exits 1603 (a fatal error during installation)',
      source: 'assumption: no published failure rates; a small share, persistent on the device',
    },
    {
      name: 'windows-decryption',
      transitions: ['downloaded->failed_decryption', 'u_downloaded->failed_decryption'],
      share: 0.001,
      why: "the package cannot be decrypted with the device's certificate",
      source: 'assumption: no published failure rates; a small share, persistent on the device',
    },
    {
      name: 'windows-content-rewrite',
      transitions: ['decrypted->failed_checksum', 'u_decrypted->failed_checksum'],
      share: 0.001,
      why: 'a content-inspecting proxy or cache hands the device altered package bytes, so the hash never matches',
      source: 'assumption: no published failure rates; a small share, persistent on the device',
    },
    {
      name: 'windows-app-control',
      transitions: ['verified->failed_launch', 'u_verified->failed_launch'],
      share: 0.001,
      why: 'an application-control policy blocks the installer',
      source: 'assumption: no published failure rates; a small share, persistent on the device',
    },
  ],
  checkIn: {
    push: lognormal(120_000, 1),
    session: uniform(7.5 * 3_600_000, 8.5 * 3_600_000),
    commandGapMs: 0,
    source:
      'push: assumption (WNS then an OMA-DM session, median 2 min); sessions: Intune documents a Windows check-in about every 8 hours (MaaS360 publishes none); one OMA-DM session carries every queued command in its SyncML package',
  },
  connectivity: {
    checkInsWait: true,
    offline: 0.05,
    outage: lognormal(3_600_000, 1),
    source: 'assumption: 5 % of the time offline (asleep, off the network), outages of median 1 h',
  },
};

const RETRY_TIMEOUT = fixed(5 * 60_000);

/**
 * The MSI CSP job, download to enforcement, reported under `status` (Installing for an install,
 * Updating for an update) with the CSP's codes; its failures end in the seed's Failed states. The
 * install's nodes are named plainly, the update's with `u_` (one table, two jobs).
 */
function msiJob(p: '' | 'u_', status: 'installing' | 'updating'): Record<string, LifecycleNode> {
  const n = (name: string) => `${p}${name}`;
  const state = status === 'installing' ? 'installing' : 'updating';
  const downloadRetry = { counter: 'download', max: 3, to: n('download_retry') } as const;
  const enforceRetry = { counter: 'enforcement', max: 3, to: n('enforcement_retry') } as const;
  return {
    [n('job')]: {
      status: status === 'installing' ? 'pending_install' : status,
      state: status === 'installing' ? 'command_scheduled' : state,
      native: 'msi:10',
      out: [{ to: n('downloading'), delay: uniform(1_000, 10_000), why: 'the CSP started the download' }],
    },
    [n('downloading')]: {
      status,
      state,
      native: 'msi:20',
      out: [
        { to: n('downloaded'), weight: 0.97, delay: lognormal(60_000, 0.7), why: 'download completed' },
        {
          to: 'failed_download',
          weight: 0.03,
          delay: lognormal(60_000, 0.7),
          why: 'download failed',
          retry: downloadRetry,
        },
      ],
    },
    [n('download_retry')]: {
      status,
      state,
      native: 'msi:25',
      out: [{ to: n('downloading'), delay: RETRY_TIMEOUT, why: 'RetryTimeout elapsed; downloading again' }],
    },
    [n('downloaded')]: {
      out: [
        { to: n('decrypted'), weight: 0.99, delay: uniform(500, 3_000), why: 'package decrypted' },
        {
          to: 'failed_decryption',
          weight: 0.01,
          delay: uniform(500, 3_000),
          why: 'decryption failed',
          retry: downloadRetry,
        },
      ],
    },
    [n('decrypted')]: {
      out: [
        { to: n('verified'), weight: 0.98, delay: uniform(200, 1_000), why: 'checksum matched' },
        {
          to: 'failed_checksum',
          weight: 0.02,
          delay: uniform(200, 1_000),
          why: 'checksum mismatch',
          retry: downloadRetry,
        },
      ],
    },
    [n('verified')]: {
      out: [
        { to: n('enforcing'), weight: 0.99, delay: uniform(500, 2_000), why: 'installer launched' },
        {
          to: 'failed_launch',
          weight: 0.01,
          delay: uniform(500, 2_000),
          why: 'installer could not be launched',
          retry: enforceRetry,
        },
      ],
    },
    [n('enforcing')]: {
      status,
      state,
      native: 'msi:50',
      out: [
        { to: 'installed', weight: 0.97, delay: lognormal(30_000, 0.7), why: 'installer succeeded' },
        {
          to: 'installation_failed',
          weight: 0.03,
          delay: lognormal(30_000, 0.7),
          why: 'installer returned an error',
          retry: enforceRetry,
        },
      ],
    },
    [n('enforcement_retry')]: {
      status,
      state,
      native: 'msi:55',
      out: [{ to: n('verified'), delay: RETRY_TIMEOUT, why: 'RetryTimeout elapsed; launching the installer again' }],
    },
  };
}

/** The traits the Windows model's guards read: the app's relevance criteria and its installer. */
export const WINDOWS_TRAITS = { relevant: 'boolean', installer: ['msi', 'store'] } as const;

export const windowsModel: LifecycleModel<TraitsOf<typeof WINDOWS_TRAITS>> = {
  platform: 'windows',
  start: 'start',
  // Assumption: WNS push then an OMA-DM session, median 2 min.
  checkIn: lognormal(120_000, 1),
  checkInSource: 'assumption: WNS push then an OMA-DM session, median 2 min (no published figure)',
  nodes: {
    start: {
      out: [
        {
          to: 'relevance_not_met',
          when: { relevant: false },
          why: 'relevance criteria not met (OS version below the app minimum)',
        },
        { to: 'command_scheduled', when: { relevant: true }, why: 'install command queued' },
      ],
    },
    // What the server shows before the device has the job: no CSP code yet.
    command_scheduled: {
      status: 'pending_install',
      state: 'command_scheduled',
      native: null,
      out: [
        {
          to: 'job',
          delay: PUSHED,
          when: { installer: 'msi' },
          why: 'the device synced and took the job (CSP 10, initialized)',
        },
        {
          to: 'store_installing',
          delay: PUSHED,
          when: { installer: 'store' },
          why: 'the device synced and took the Store app',
        },
      ],
    },
    ...msiJob('', 'installing'),
    // A Microsoft Store app: no MSI job; it installs from the Store, and its updates are offered to the user.
    store_installing: {
      status: 'installing',
      state: 'installing',
      native: null,
      out: [
        { to: 'installed', weight: 0.97, delay: lognormal(60_000, 0.8), why: 'the Store installed the app' },
        { to: 'installation_failed', weight: 0.03, delay: lognormal(60_000, 0.8), why: 'the Store install failed' },
      ],
    },
    installed: {
      status: 'installed',
      state: 'installed',
      onUpdate: 'update_offered',
      out: [
        { to: END, weight: 0.985, why: 'the app stays installed' },
        { to: 'removed', weight: 0.015, delay: lognormal(259_200_000, 1), why: 'the user uninstalled the app' },
      ],
    },
    removed: { status: 'removed', state: 'uninstalled' },
    failed_download: { status: 'failed', state: 'failed_download' },
    failed_decryption: { status: 'failed', state: 'failed_decryption' },
    failed_checksum: { status: 'failed', state: 'failed_checksum' },
    failed_launch: { status: 'failed', state: 'failed_launch_installer' },
    installation_failed: { status: 'failed', state: 'installation_failed' },
    relevance_not_met: { status: 'failed', state: 'relevance_not_met' },
    // Updates: an MSI update is a new CSP job, quiet (no prompt), with its retries and failures;
    // a Store app's update is offered to the user (the general MaaS360 update states).
    update_offered: {
      out: [
        {
          to: 'u_job',
          delay: PUSHED,
          when: { installer: 'msi' },
          why: 'the device synced and took the update job (CSP 10)',
        },
        {
          to: 'prompted_update',
          delay: PUSHED,
          when: { installer: 'store' },
          why: 'the device synced and offered the update',
        },
      ],
    },
    ...msiJob('u_', 'updating'),
    prompted_update: {
      status: 'pending_update',
      state: 'prompted_update',
      native: null,
      out: [
        { to: 'store_updating', weight: 0.9, delay: lognormal(600_000, 1.2), why: 'user accepted the update' },
        { to: 'user_rejected_update', weight: 0.1, delay: lognormal(600_000, 1.2), why: 'user rejected the update' },
      ],
    },
    store_updating: {
      status: 'updating',
      state: 'updating',
      native: null,
      out: [{ to: 'installed', delay: lognormal(60_000, 0.7), why: 'update installed' }],
    },
    user_rejected_update: { status: 'upgrade_failed', state: 'user_rejected_update' },
  },
};
