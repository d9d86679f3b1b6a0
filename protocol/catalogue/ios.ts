/**
 * iOS: MaaS360 "App installation status and states" (seed 000) and "App Installation status
 * transition" (seed 001, which completes the Device Criteria description). Native codes are the
 * Status values of Apple's ManagedApplicationList command response.
 */
import { type PlatformCatalogue, status } from './types.js';

const DEVICE_CRITERIA =
  'App installation did not complete due to one of the following conditions: ' +
  'A non-licensed App Store app is distributed to a shared device. ' +
  'A device-licensed app is distributed to a user-enrolled device. ' +
  'A user-licensed app is distributed to the a device that does not have a user assigned to it.';

export const IOS_CATALOGUE: PlatformCatalogue = {
  platform: 'ios',
  label: 'iOS',
  statuses: [
    status('pending_install', 'Pending Install', 'pending', [
      [
        'command_scheduled',
        'Command Scheduled',
        'MaaS360 is ready to push the app and is waiting for the device to communicate with MaaS360.',
      ],
      [
        'licensed_installation_scheduled',
        'Licensed Installation Scheduled',
        'MaaS360 has acquired the VPP licenses to install the app on the device and is ready to push the app, but the device did not communicate with MaaS360 yet.',
      ],
    ]),
    status('not_relevant', 'Not Relevant', 'not_relevant', [
      [
        'os_criteria',
        'OS Criteria',
        'The device does not satisfy the minimum operating system criteria specified by the app.',
      ],
      ['device_criteria', 'Device Criteria', DEVICE_CRITERIA],
    ]),
    status('installing', 'Installing', 'in_progress', [
      [
        'waiting_for_redemption_code',
        'Scheduled for installation. Waiting for redemption code',
        'App installation is scheduled, but the app (in case of paid iOS app) is waiting for a Volume Purchasing Program (VPP) redemption code that is required to purchase the app.',
        'apple:NeedsRedemption',
      ],
      [
        'redeeming_code',
        'Redeeming the redemption code',
        'The device is redeeming the redemption code.',
        'apple:Redeeming',
      ],
      [
        'prompted_install',
        'Prompted user for installation',
        'The user is prompted to install the app.',
        'apple:Prompting',
      ],
      [
        'prompted_login',
        'Prompted user for app store login',
        'The user is prompted to provide their App Store login credentials.',
        'apple:PromptingForLogin',
      ],
      ['installing', 'App is being installed', 'The app is installing on the device.', 'apple:Installing'],
      ['validating_purchase', 'Validating app purchase', 'The app purchase is validating.', 'apple:ValidatingPurchase'],
    ]),
    status('installed', 'Installed', 'installed', [
      ['installed', 'App is installed', 'The app is successfully installed on the device.', 'apple:Managed'],
      [
        'prompted_management',
        'Prompted user for management of installed app',
        'The user is prompted to change the installed app to a managed app.',
        'apple:PromptingForManagement',
      ],
      [
        'user_installed_before',
        'User installed the app before managed app installation',
        'The user installed the app before installing a managed app.',
        'apple:UserInstalledApp',
      ],
      [
        'management_rejected',
        'User rejected management of installed app',
        'The user rejected managing an app that is already installed.',
        'apple:ManagementRejected',
      ],
    ]),
    status('removed', 'Removed After Installation', 'removed', [
      [
        'uninstalled',
        'App is uninstalled',
        'The user removed the managed app. When the app is reinstalled, the app is automatically installed as a managed app.',
        'apple:ManagedButUninstalled',
      ],
    ]),
    status('pending_update', 'Pending Update', 'pending', [
      [
        'prompted_update',
        'Prompted user for app update',
        'The user is prompted to update the app.',
        'apple:PromptingForUpdate',
      ],
      [
        'prompted_update_login',
        'Prompted user for app store login for update',
        'The user is prompted to provide their App Store credentials for an update.',
        'apple:PromptingForUpdateLogin',
      ],
    ]),
    status('updating', 'Updating', 'in_progress', [
      ['updating', 'Updating the app', 'The app is updating.', 'apple:Updating'],
      ['validating_update', 'Validating the update', 'The app update is validating.', 'apple:ValidatingUpdate'],
    ]),
    // The seed prints this status as "??": kept verbatim, see docs/catalogue.md.
    status('unknown', '??', 'unknown', [
      ['unknown', 'Unknown app state', 'The app state is unknown.', 'apple:Unknown'],
    ]),
    status('failed', 'Failed', 'failed', [
      [
        'user_rejected',
        'User rejected app install',
        'The user rejected the offer to install the app.',
        'apple:UserRejected',
      ],
      ['install_failed', 'App installation has failed.', 'The app installation failed.', 'apple:Failed'],
    ]),
    status('upgrade_failed', 'Upgrade Failed', 'failed', [
      [
        'user_rejected_update',
        'User rejected app update',
        'The user rejected the offer to update the app.',
        'apple:UpdateRejected',
      ],
    ]),
  ],
};
