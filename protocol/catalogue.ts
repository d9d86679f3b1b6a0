/**
 * The status catalogue: every platform's statuses and granular states, with the labels and
 * descriptions exactly as the seed documents write them (../shared/seeds), and the native
 * protocol code behind each where one exists.
 *
 * Sources:
 * - iOS: MaaS360 "App installation status and states" (seed 000) and "App Installation status
 *   transition" (seed 001, which completes the Device Criteria description). Native codes are the
 *   Status values of Apple's ManagedApplicationList command response.
 * - Android and Windows: seed 001. Android native codes are android.content.pm.PackageInstaller
 *   STATUS_* constants and Android Management API reasons; Windows native codes are the
 *   EnterpriseDesktopAppManagement (MSI) CSP Status values 10..70.
 * - DME: "Installation status messages" (seed 002). Native codes are OMA-DM SCOMO result codes.
 *
 * Choices where the seeds have rough edges are documented in docs/catalogue.md.
 */

export type Platform = 'ios' | 'android' | 'windows' | 'dme';
export const PLATFORMS: readonly Platform[] = ['ios', 'android', 'windows', 'dme'];

/** Which seed row a state transcribes: `seed` rows are verbatim, `inherited` ones are the
 * general MaaS360 rows that Windows shares ("In addition to above states", seed 001). */
export type StateSource = 'seed' | 'inherited';

export interface StateDef {
  /** Stable wire id, unique within its status. */
  readonly id: string;
  /** The seed's label, verbatim. */
  readonly label: string;
  /** The seed's description, verbatim. */
  readonly description: string;
  /** The native protocol code, as `<system>:<code>`. */
  readonly native?: string;
  readonly source: StateSource;
  /** DME only: which installation method shows this message. */
  readonly method?: 'oma-dm' | 'download-link' | 'both';
  /** DME only: which kind of software shows this message. */
  readonly software?: 'dme-client' | 'other' | 'both';
}

export interface StatusDef {
  readonly id: string;
  readonly label: string;
  readonly states: readonly StateDef[];
}

export interface PlatformCatalogue {
  readonly platform: Platform;
  readonly label: string;
  readonly statuses: readonly StatusDef[];
}

type Row = [id: string, label: string, description: string, native?: string];

function status(id: string, label: string, rows: Row[], source: StateSource = 'seed'): StatusDef {
  return {
    id,
    label,
    states: rows.map(([sid, slabel, description, native]) => ({
      id: sid,
      label: slabel,
      description,
      source,
      ...(native ? { native } : {}),
    })),
  };
}

const DEVICE_CRITERIA =
  'App installation did not complete due to one of the following conditions: ' +
  'A non-licensed App Store app is distributed to a shared device. ' +
  'A device-licensed app is distributed to a user-enrolled device. ' +
  'A user-licensed app is distributed to the a device that does not have a user assigned to it.';

const IOS: PlatformCatalogue = {
  platform: 'ios',
  label: 'iOS',
  statuses: [
    status('pending_install', 'Pending Install', [
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
    status('not_relevant', 'Not Relevant', [
      [
        'os_criteria',
        'OS Criteria',
        'The device does not satisfy the minimum operating system criteria specified by the app.',
      ],
      ['device_criteria', 'Device Criteria', DEVICE_CRITERIA],
    ]),
    status('installing', 'Installing', [
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
    status('installed', 'Installed', [
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
    status('removed', 'Removed After Installation', [
      [
        'uninstalled',
        'App is uninstalled',
        'The user removed the managed app. When the app is reinstalled, the app is automatically installed as a managed app.',
        'apple:ManagedButUninstalled',
      ],
    ]),
    status('pending_update', 'Pending Update', [
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
    status('updating', 'Updating', [
      ['updating', 'Updating the app', 'The app is updating.', 'apple:Updating'],
      ['validating_update', 'Validating the update', 'The app update is validating.', 'apple:ValidatingUpdate'],
    ]),
    // The seed prints this status as "??": kept verbatim, see docs/catalogue.md.
    status('unknown', '??', [['unknown', 'Unknown app state', 'The app state is unknown.', 'apple:Unknown']]),
    status('failed', 'Failed', [
      [
        'user_rejected',
        'User rejected app install',
        'The user rejected the offer to install the app.',
        'apple:UserRejected',
      ],
      ['install_failed', 'App installation has failed.', 'The app installation failed.', 'apple:Failed'],
    ]),
    status('upgrade_failed', 'Upgrade Failed', [
      [
        'user_rejected_update',
        'User rejected app update',
        'The user rejected the offer to update the app.',
        'apple:UpdateRejected',
      ],
    ]),
  ],
};

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
const ANDROID: PlatformCatalogue = {
  platform: 'android',
  label: 'Android',
  statuses: [
    status('success', 'Success', [
      ['installed', 'Installed', 'The App is installed', 'pkg:STATUS_SUCCESS'],
      [
        'higher_version_installed',
        'Higher version of app is installed',
        'The higher version of an app is already installed on the device',
        'pkg:STATUS_FAILURE_CONFLICT',
      ],
    ]),
    status('installing', 'Installing', [
      A.downloading,
      A.waitingNetwork,
      A.waitingUser,
      A.notCompatible,
      A.oemFailed,
      A.unexpected,
      A.outOfCompliance,
      A.waitingDownload,
    ]),
    status('pending_install', 'Pending Install', [
      ['not_installed', 'App not installed', 'App is not installed on the device'],
      ['downloading', 'Downloading app', 'App is downloading on the device', 'pkg:STATUS_PENDING_STREAMING'],
      A.waitingNetwork,
      A.waitingUser,
      A.waitingDownload,
      A.downloadScheduled,
      A.outOfCompliance,
    ]),
    status('pending_update', 'Pending Update', [
      ['update_pending', 'App update pending', 'App is available and pending to be update on the device'],
      A.waitingUser,
      A.downloadScheduled,
      ['update_scheduled', 'App update is scheduled', 'App update is scheduled for later time '],
      A.outOfCompliance,
    ]),
    status('removed', 'Removed after Installation', [
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
    status('failed', 'Failed', [A.notCompatible, A.oemFailed, A.unexpected]),
  ],
};

const WINDOWS: PlatformCatalogue = {
  platform: 'windows',
  label: 'Windows',
  statuses: [
    status(
      'pending_install',
      'Pending Install',
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
      [['installing', 'App is being installed', 'The app is installing on the device.', 'msi:50']],
      'inherited',
    ),
    status(
      'installed',
      'Installed',
      [['installed', 'App is installed', 'The app is successfully installed on the device.', 'msi:70']],
      'inherited',
    ),
    status(
      'removed',
      'Removed After Installation',
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
      [['prompted_update', 'Prompted user for app update', 'The user is prompted to update the app.', 'msi:48']],
      'inherited',
    ),
    status('updating', 'Updating', [['updating', 'Updating the app', 'The app is updating.', 'msi:50']], 'inherited'),
    status(
      'upgrade_failed',
      'Upgrade Failed',
      [['user_rejected_update', 'User rejected app update', 'The user rejected the offer to update the app.']],
      'inherited',
    ),
    status('failed', 'Failed', [
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

type DmeRow = [
  id: string,
  label: string,
  description: string,
  method: StateDef['method'],
  software: StateDef['software'],
  native?: string,
];
function dmeStatus(id: string, label: string, rows: DmeRow[]): StatusDef {
  return {
    id,
    label,
    states: rows.map(([sid, slabel, description, method, software, native]) => ({
      id: sid,
      label: slabel,
      description,
      source: 'seed' as const,
      method,
      software,
      ...(native ? { native } : {}),
    })),
  };
}

const DME: PlatformCatalogue = {
  platform: 'dme',
  label: 'DME (OMA DM / download link)',
  statuses: [
    dmeStatus('installing', 'Installing', [
      [
        'waiting_for_bootstrap',
        'Waiting for bootstrap',
        'A client is to be installed on a device which has not been bootstrapped. This message is shown for as long as the client has not been bootstrapped. If the bootstrap fails, the installation job falls back to the download link installation method.',
        'oma-dm',
        'both',
      ],
      [
        'waiting_for_download',
        'Waiting for download',
        'A WAP or SMS push has been sent, but not opened by the client, or a Mark for Install notification has been sent but awaits the next sync by the user.',
        'download-link',
        'both',
      ],
      ['installing_software', 'Installing software', 'The software is currently being installed.', 'both', 'both'],
      [
        'installed_waiting_verification',
        'Installed – Waiting for verification',
        'The software has been installed by the OMA DM client, but a verification has not been made. A software installation is verified when the version of DME reported by the client corresponds to the version installed by the current installation job. If you happen to install a version which already existed on the device, the installation will be verified immediately. Otherwise, the installation will be verified the first time the user performs a system info synchronization.',
        'oma-dm',
        'dme-client',
        'scomo:1200',
      ],
      [
        'downloaded_waiting_verification',
        'Downloaded – Waiting for verification',
        'The software has been downloaded, but not yet verified (see to the left).',
        'download-link',
        'dme-client',
      ],
    ]),
    dmeStatus('installed', 'Installed', [
      [
        'installed',
        'Installed',
        'The software has been installed. The software cannot be verified because it is not a DME client.',
        'oma-dm',
        'other',
        'scomo:1200',
      ],
      [
        'downloaded',
        'Downloaded',
        'The software has been downloaded. The software cannot be verified because it is not a DME client.',
        'download-link',
        'other',
      ],
      [
        'installed_verified',
        'Installed – Verified',
        'The software has been installed by the OMA DM client and verified.',
        'oma-dm',
        'dme-client',
        'scomo:1200',
      ],
      [
        'downloaded_verified',
        'Downloaded – Verified',
        'The software has been downloaded by the user and verified.',
        'download-link',
        'dme-client',
      ],
    ]),
    // The seed's table has an OMA DM column and a download-link column; its Errors row holds one
    // message in each ("Installation failed", "Unknown status") and says "either of these two
    // messages": two states, one per method, with the row's one description.
    dmeStatus('errors', 'Errors', [
      [
        'installation_failed',
        'Installation failed',
        'If either of these two messages is shown, an error has occurred. See the log for more information.',
        'oma-dm',
        'both',
        'scomo:1400',
      ],
      [
        'unknown_status',
        'Unknown status',
        'If either of these two messages is shown, an error has occurred. See the log for more information.',
        'download-link',
        'both',
      ],
    ]),
  ],
};

export const CATALOGUE: Readonly<Record<Platform, PlatformCatalogue>> = {
  ios: IOS,
  android: ANDROID,
  windows: WINDOWS,
  dme: DME,
};

const index = new Map<string, StateDef>();
const statusIndex = new Map<string, StatusDef>();
for (const p of PLATFORMS) {
  for (const s of CATALOGUE[p].statuses) {
    statusIndex.set(`${p}/${s.id}`, s);
    for (const st of s.states) index.set(`${p}/${s.id}/${st.id}`, st);
  }
}

export function isPlatform(value: unknown): value is Platform {
  return typeof value === 'string' && (PLATFORMS as readonly string[]).includes(value);
}

export function findStatus(platform: Platform, statusId: string): StatusDef | undefined {
  return statusIndex.get(`${platform}/${statusId}`);
}

export function findState(platform: Platform, statusId: string, stateId: string): StateDef | undefined {
  return index.get(`${platform}/${statusId}/${stateId}`);
}

/** Every (platform, status, state) of the catalogue, in catalogue order. */
export function allStates(): { platform: Platform; status: StatusDef; state: StateDef }[] {
  const out: { platform: Platform; status: StatusDef; state: StateDef }[] = [];
  for (const platform of PLATFORMS) {
    for (const status of CATALOGUE[platform].statuses) {
      for (const state of status.states) out.push({ platform, status, state });
    }
  }
  return out;
}

/** "Pending Install / Command Scheduled" for people. */
export function describe(platform: Platform, statusId: string, stateId: string): string {
  const st = findStatus(platform, statusId);
  const s = findState(platform, statusId, stateId);
  return `${st?.label ?? statusId} / ${s?.label ?? stateId}`;
}
