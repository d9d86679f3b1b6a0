/**
 * Windows: seed 001, whose Windows section adds Failed states "in addition to above states" (the
 * general MaaS360 rows, marked inherited). Native codes are the EnterpriseDesktopAppManagement
 * (MSI) CSP Status values 10..70.
 */
import { type PlatformCatalogue, status } from './types.js';

export const WINDOWS_CATALOGUE: PlatformCatalogue = {
  platform: 'windows',
  label: 'Windows',
  statuses: [
    status(
      'pending_install',
      'Pending Install',
      'pending',
      [
        [
          'command_scheduled',
          'Command Scheduled',
          'MaaS360 is ready to push the app and is waiting for the device to communicate with MaaS360.',
          'msi:10',
        ],
      ],
      'inherited',
    ),
    status(
      'installing',
      'Installing',
      'in_progress',
      [['installing', 'App is being installed', 'The app is installing on the device.', 'msi:50']],
      'inherited',
    ),
    status(
      'installed',
      'Installed',
      'installed',
      [['installed', 'App is installed', 'The app is successfully installed on the device.', 'msi:70']],
      'inherited',
    ),
    status(
      'removed',
      'Removed After Installation',
      'removed',
      [
        [
          'uninstalled',
          'App is uninstalled',
          'The user removed the managed app. When the app is reinstalled, the app is automatically installed as a managed app.',
        ],
      ],
      'inherited',
    ),
    status(
      'pending_update',
      'Pending Update',
      'pending',
      [['prompted_update', 'Prompted user for app update', 'The user is prompted to update the app.', 'msi:48']],
      'inherited',
    ),
    status(
      'updating',
      'Updating',
      'in_progress',
      [['updating', 'Updating the app', 'The app is updating.', 'msi:50']],
      'inherited',
    ),
    status(
      'upgrade_failed',
      'Upgrade Failed',
      'failed',
      [['user_rejected_update', 'User rejected app update', 'The user rejected the offer to update the app.']],
      'inherited',
    ),
    status('failed', 'Failed', 'failed', [
      ['failed_download', 'Failed download', 'Device failed to download the app', 'msi:30'],
      // The CSP validates the file hash as part of the download phase and reports 30 for it.
      ['failed_decryption', 'Failed decryption', 'Device failed to decrypt the app', 'msi:30'],
      ['failed_checksum', 'Failed checksum validation', 'Checksum validation failed on the device', 'msi:30'],
      ['failed_launch_installer', 'Failed to launch installer', 'Failed to launch installer on the device', 'msi:60'],
      ['installation_failed', 'Installation failed', 'The app installation failed.', 'msi:60'],
      ['relevance_not_met', 'Relevance criteria not met', 'The defined relevance criteria did not meet.'],
    ]),
  ],
};
