/**
 * Android: seed 001. Native codes are android.content.pm.PackageInstaller STATUS_* constants and
 * Android Management API reasons.
 */
import { type PlatformCatalogue, type Row, status } from './types.js';

const ANDROID_STATES = {
  downloading: [
    'downloading',
    'Downloading app',
    'The app is downloading on the device',
    'pkg:STATUS_PENDING_STREAMING',
  ],
  waitingNetwork: [
    'waiting_for_network',
    'Waiting for network',
    'Waiting for network to proceed with next action ',
    'amapi:NETWORK_ERROR_UNRELIABLE_CONNECTION',
  ],
  waitingUser: [
    'waiting_for_user',
    'Waiting for user action',
    'Waiting for user action on the device to proceed with installation',
    'pkg:STATUS_PENDING_USER_ACTION',
  ],
  notCompatible: [
    'not_compatible',
    'App is not compatible with this device',
    'App is not compatible with device configuration',
    'pkg:STATUS_FAILURE_INCOMPATIBLE',
  ],
  oemFailed: [
    'oem_server_failed',
    'Request to OEM server failed',
    'OEM server not able to process the request',
    'pkg:STATUS_FAILURE_ABORTED',
  ],
  unexpected: ['unexpected_error', 'Unexpected error occurred', 'Unexpected error occurred', 'pkg:STATUS_FAILURE'],
  outOfCompliance: [
    'out_of_compliance',
    'Device is out of compliance',
    'Device is out of compliance',
    'amapi:NONCOMPLIANCE',
  ],
  waitingDownload: [
    'waiting_for_download',
    'Waiting for download',
    'Device is waiting for an to get downloaded on the devices',
  ],
  downloadScheduled: ['download_scheduled', 'App download is scheduled', 'App download is scheduled for later time '],
} satisfies Record<string, Row>;

const A = ANDROID_STATES;
export const ANDROID_CATALOGUE: PlatformCatalogue = {
  platform: 'android',
  label: 'Android',
  statuses: [
    status('success', 'Success', 'installed', [
      ['installed', 'Installed', 'The App is installed', 'pkg:STATUS_SUCCESS'],
      [
        'higher_version_installed',
        'Higher version of app is installed',
        'The higher version of an app is already installed on the device',
        'pkg:STATUS_FAILURE_CONFLICT',
      ],
    ]),
    status('installing', 'Installing', 'in_progress', [
      A.downloading,
      A.waitingNetwork,
      A.waitingUser,
      A.notCompatible,
      A.oemFailed,
      A.unexpected,
      A.outOfCompliance,
      A.waitingDownload,
    ]),
    status('pending_install', 'Pending Install', 'pending', [
      ['not_installed', 'App not installed', 'App is not installed on the device'],
      ['downloading', 'Downloading app', 'App is downloading on the device', 'pkg:STATUS_PENDING_STREAMING'],
      A.waitingNetwork,
      A.waitingUser,
      A.waitingDownload,
      A.downloadScheduled,
      A.outOfCompliance,
    ]),
    status('pending_update', 'Pending Update', 'pending', [
      ['update_pending', 'App update pending', 'App is available and pending to be update on the device'],
      A.waitingUser,
      A.downloadScheduled,
      ['update_scheduled', 'App update is scheduled', 'App update is scheduled for later time '],
      A.outOfCompliance,
    ]),
    status('removed', 'Removed after Installation', 'removed', [
      [
        'uninstalled_by_user',
        'App uninstalled by user',
        'App uninstallation is triggered by User',
        'amapi:USER_UNINSTALLED',
      ],
      [
        'uninstalled_by_mdm',
        'App uninstalled by MDM',
        'App uninstallation is triggered by MDM',
        'amapi:MDM_UNINSTALLED',
      ],
      A.outOfCompliance,
    ]),
    status('failed', 'Failed', 'failed', [A.notCompatible, A.oemFailed, A.unexpected]),
  ],
};
