/**
 * Android install and update lifecycle (MaaS360 Android table, seed 001). Native codes are
 * android.content.pm.PackageInstaller STATUS_* constants and Android Management API reasons
 * (protocol/catalogue/android.ts). Weights and delays are assumptions (docs/lifecycles.md).
 *
 * The seed lists "Downloading app" under both Pending Install and Installing: here Pending
 * Install / Downloading app is Play fetching the package before the installer session starts, and
 * Installing / Downloading app is the installer session streaming it. Transient failures
 * (OEM server, unexpected error) are reported under Installing while Play retries, and under
 * Failed once the retries are spent. Android has no Upgrade Failed in the seed: an update the user
 * never confirms stays Pending Update / Waiting for user action.
 */
import { exponential, lognormal, uniform } from '../../../core/delay.js';
import type { DeviceProfile } from '../../lifecycle/device-profile.js';
import { END, PUSHED, type LifecycleModel } from '../../lifecycle/model.js';
import type { TraitsOf } from '../../lifecycle/traits.js';

const OUTAGE = lognormal(1_800_000, 1);
const COMPLIES = lognormal(7_200_000, 1.2);

/** How an Android device checks in and is offline (docs/lifecycles.md, "The device"). */
export const androidDevice: DeviceProfile = {
  diskFull: ['i_downloading->failed_unexpected'],
  causes: [
    {
      name: 'android-low-storage',
      transitions: ['i_downloading->failed_unexpected'],
      share: 0.003,
      why: 'the installer finds too little storage (PackageInstaller STATUS_FAILURE_STORAGE)',
      source: 'assumption: no published failure rates; a small share, persistent on the device',
    },
    {
      name: 'android-oem-server',
      transitions: ['i_downloading->failed_oem'],
      share: 0.002,
      why: "the OEM's server refuses every request for the device (an OEM service account or licence the device lacks)",
      source: 'assumption: no published failure rates; a small share, persistent on the device',
    },
    {
      name: 'android-abi',
      transitions: ['i_downloading->i_incompatible'],
      share: 0.002,
      why: "the package has no native code for the device's ABI",
      source: 'assumption: no published failure rates; a small share, persistent on the device',
    },
  ],
  checkIn: {
    push: lognormal(60_000, 1.2),
    session: uniform(7.5 * 3_600_000, 8.5 * 3_600_000),
    commandGapMs: 0,
    source:
      'push: assumption (FCM then the device policy controller syncs, median 1 min); sessions: Intune documents an Android check-in about every 8 hours (MaaS360 publishes none); one policy sync applies every queued app',
  },
  connectivity: {
    offline: 0.03,
    outage: OUTAGE,
    checkInsWait: false,
    source:
      'assumption: 3 % of the time without the network downloads need (Wi-Fi, as the Play app-download preference asks), outages of median 30 min; check-ins go over any network',
  },
};

/** The traits the Android model's guards read: whether the device can run the app. */
export const ANDROID_TRAITS = { osOk: 'boolean' } as const;

export const androidModel: LifecycleModel<TraitsOf<typeof ANDROID_TRAITS>> = {
  platform: 'android',
  start: 'not_installed',
  // Assumption: FCM push to the device policy controller acting on the policy, median 1 min.
  checkIn: lognormal(60_000, 1.2),
  checkInSource: 'assumption: FCM push then policy sync, median 1 min (no published figure)',
  nodes: {
    not_installed: {
      status: 'pending_install',
      state: 'not_installed',
      out: [{ to: 'policy', delay: PUSHED, why: 'device received the policy' }],
    },
    policy: {
      out: [
        {
          to: 'incompatible',
          when: { osOk: false },
          delay: uniform(1_000, 5_000),
          why: 'the device OS is below the app minimum',
        },
        { to: 'precheck', when: { osOk: true }, why: 'device can run the app' },
      ],
    },
    precheck: {
      out: [
        { to: 'p_queue', weight: 0.85, why: 'install request accepted' },
        {
          to: 'higher_version',
          weight: 0.02,
          delay: uniform(1_000, 5_000),
          why: 'a higher version of the app is already installed',
        },
        {
          to: 'p_noncompliant',
          weight: 0.04,
          delay: uniform(1_000, 5_000),
          why: 'the device is out of compliance; installs wait',
        },
        {
          to: 'p_scheduled',
          weight: 0.05,
          delay: uniform(1_000, 5_000),
          why: 'the download is deferred to a scheduled window',
        },
        {
          to: 'p_user',
          weight: 0.04,
          delay: uniform(1_000, 5_000),
          why: 'the install needs the user to act on the device',
        },
      ],
    },
    higher_version: { status: 'success', state: 'higher_version_installed' },
    p_noncompliant: {
      status: 'pending_install',
      state: 'out_of_compliance',
      out: [{ to: 'p_queue', delay: COMPLIES, why: 'the device complied again' }],
    },
    p_scheduled: {
      status: 'pending_install',
      state: 'download_scheduled',
      out: [{ to: 'p_queue', delay: exponential(1_800_000), why: 'the scheduled window opened' }],
    },
    p_user: {
      status: 'pending_install',
      state: 'waiting_for_user',
      out: [
        { to: 'p_queue', weight: 0.9, delay: lognormal(3_600_000, 1.2), why: 'the user acted on the device' },
        { to: END, weight: 0.1, why: 'the user never acted' },
      ],
    },
    p_queue: {
      out: [
        { to: 'p_downloading', weight: 0.9, delay: uniform(500, 3_000), why: 'download started' },
        { to: 'p_wait_download', weight: 0.05, delay: uniform(500, 3_000), why: 'download queued behind others' },
        {
          to: 'p_offline',
          weight: 0.05,
          delay: uniform(500, 3_000),
          why: 'the device went offline before the download',
          device: 'offline',
        },
      ],
    },
    p_wait_download: {
      status: 'pending_install',
      state: 'waiting_for_download',
      out: [{ to: 'p_downloading', delay: exponential(300_000), why: 'the queued download started' }],
    },
    p_offline: {
      status: 'pending_install',
      state: 'waiting_for_network',
      out: [{ to: 'p_downloading', delay: OUTAGE, why: 'the device came back online and resumed', until: 'online' }],
    },
    p_downloading: {
      status: 'pending_install',
      state: 'downloading',
      out: [{ to: 'i_downloading', delay: uniform(1_000, 10_000), why: 'installer session started' }],
    },
    i_downloading: {
      status: 'installing',
      state: 'downloading',
      out: [
        { to: 'installed', weight: 0.88, delay: lognormal(40_000, 0.8), why: 'downloaded and installed' },
        {
          to: 'i_offline',
          weight: 0.03,
          delay: lognormal(20_000, 0.8),
          why: 'the device went offline during the download',
          device: 'offline',
        },
        { to: 'i_user', weight: 0.02, delay: lognormal(20_000, 0.8), why: 'the installer asks the user to confirm' },
        {
          to: 'i_noncompliant',
          weight: 0.01,
          delay: lognormal(20_000, 0.8),
          why: 'the device fell out of compliance during the install',
        },
        {
          to: 'i_wait_download',
          weight: 0.02,
          delay: lognormal(5_000, 0.8),
          why: 'the download was paused by the download manager',
        },
        {
          to: 'i_incompatible',
          weight: 0.01,
          delay: lognormal(20_000, 0.8),
          why: 'the package does not fit the device configuration',
        },
        {
          to: 'failed_oem',
          weight: 0.02,
          delay: lognormal(20_000, 0.8),
          why: 'the OEM server refused the request',
          retry: { counter: 'oem', max: 2, to: 'i_oem' },
        },
        {
          to: 'failed_unexpected',
          weight: 0.01,
          delay: lognormal(20_000, 0.8),
          why: 'the installer reported an unexpected error',
          retry: { counter: 'unexpected', max: 1, to: 'i_unexpected' },
        },
      ],
    },
    i_offline: {
      status: 'installing',
      state: 'waiting_for_network',
      out: [{ to: 'i_downloading', delay: OUTAGE, why: 'the device came back online and resumed', until: 'online' }],
    },
    i_user: {
      status: 'installing',
      state: 'waiting_for_user',
      out: [
        { to: 'installed', weight: 0.9, delay: lognormal(1_800_000, 1.2), why: 'the user confirmed the install' },
        { to: END, weight: 0.1, why: 'the user never confirmed' },
      ],
    },
    i_noncompliant: {
      status: 'installing',
      state: 'out_of_compliance',
      out: [{ to: 'i_downloading', delay: COMPLIES, why: 'the device complied again and the install resumed' }],
    },
    i_wait_download: {
      status: 'installing',
      state: 'waiting_for_download',
      out: [{ to: 'i_downloading', delay: exponential(300_000), why: 'the download resumed' }],
    },
    i_oem: {
      status: 'installing',
      state: 'oem_server_failed',
      out: [{ to: 'i_downloading', delay: exponential(600_000), why: 'Play retried the request' }],
    },
    i_unexpected: {
      status: 'installing',
      state: 'unexpected_error',
      out: [{ to: 'i_downloading', delay: exponential(600_000), why: 'the installer retried' }],
    },
    incompatible: {
      status: 'installing',
      state: 'not_compatible',
      out: [
        { to: 'failed_incompatible', delay: uniform(5_000, 60_000), why: 'the MDM gave up on an incompatible device' },
      ],
    },
    i_incompatible: {
      status: 'installing',
      state: 'not_compatible',
      out: [
        { to: 'failed_incompatible', delay: uniform(5_000, 60_000), why: 'the MDM gave up on an incompatible device' },
      ],
    },
    failed_incompatible: { status: 'failed', state: 'not_compatible' },
    failed_oem: { status: 'failed', state: 'oem_server_failed' },
    failed_unexpected: { status: 'failed', state: 'unexpected_error' },
    installed: {
      status: 'success',
      state: 'installed',
      onUpdate: 'u_pending',
      out: [
        { to: END, weight: 0.97, why: 'the app stays installed' },
        { to: 'removed_user', weight: 0.015, delay: lognormal(259_200_000, 1), why: 'the user uninstalled the app' },
        {
          to: 'removed_mdm',
          weight: 0.01,
          delay: lognormal(259_200_000, 1),
          why: 'the MDM uninstalled the app (distribution withdrawn)',
        },
        {
          to: 'removed_noncompliant',
          weight: 0.005,
          delay: lognormal(259_200_000, 1),
          why: 'the app was removed because the device fell out of compliance',
        },
      ],
    },
    removed_user: { status: 'removed', state: 'uninstalled_by_user' },
    removed_mdm: { status: 'removed', state: 'uninstalled_by_mdm' },
    removed_noncompliant: { status: 'removed', state: 'out_of_compliance' },
    // Update lifecycle: Pending Update, then the install chain again.
    u_pending: {
      status: 'pending_update',
      state: 'update_pending',
      out: [{ to: 'u_route', delay: PUSHED, why: 'device received the update policy' }],
    },
    u_route: {
      out: [
        { to: 'i_downloading', weight: 0.8, delay: uniform(1_000, 10_000), why: 'update download started' },
        { to: 'u_user', weight: 0.06, delay: uniform(1_000, 5_000), why: 'the update needs the user to act' },
        {
          to: 'u_download_scheduled',
          weight: 0.05,
          delay: uniform(1_000, 5_000),
          why: 'the update download is deferred to a scheduled window',
        },
        {
          to: 'u_scheduled',
          weight: 0.05,
          delay: uniform(1_000, 5_000),
          why: 'the update is scheduled for a maintenance window',
        },
        {
          to: 'u_noncompliant',
          weight: 0.04,
          delay: uniform(1_000, 5_000),
          why: 'the device is out of compliance; the update waits',
        },
      ],
    },
    u_user: {
      status: 'pending_update',
      state: 'waiting_for_user',
      out: [
        { to: 'i_downloading', weight: 0.8, delay: lognormal(3_600_000, 1.2), why: 'the user accepted the update' },
        { to: END, weight: 0.2, why: 'the user never acted on the update' },
      ],
    },
    u_download_scheduled: {
      status: 'pending_update',
      state: 'download_scheduled',
      out: [{ to: 'i_downloading', delay: exponential(1_800_000), why: 'the scheduled window opened' }],
    },
    u_scheduled: {
      status: 'pending_update',
      state: 'update_scheduled',
      out: [{ to: 'i_downloading', delay: exponential(21_600_000), why: 'the maintenance window opened' }],
    },
    u_noncompliant: {
      status: 'pending_update',
      state: 'out_of_compliance',
      out: [{ to: 'i_downloading', delay: COMPLIES, why: 'the device complied again' }],
    },
  },
};
