/**
 * DME: "Installation status messages" (seed 002). Native codes are OMA-DM SCOMO result codes.
 * Each message carries the seed's two further columns: the installation method and the kind of
 * software that show it.
 */
import type { PlatformCatalogue, StatusDef, StatusMeaning } from './types.js';

type Method = 'oma-dm' | 'download-link' | 'both';
type Software = 'dme-client' | 'other' | 'both';
type DmeRow = [id: string, label: string, description: string, method: Method, software: Software, native?: string];

/** "Jobs are removed from the Installed sub-table after 7 days." (seed 002, DME status table) */
const INSTALLED_RETENTION_MS = 7 * 24 * 3600 * 1000;

function dmeStatus(id: string, label: string, meaning: StatusMeaning, rows: DmeRow[], retentionMs?: number): StatusDef {
  return {
    id,
    label,
    meaning,
    states: rows.map(([sid, slabel, description, method, software, native]) => ({
      id: sid,
      label: slabel,
      description,
      source: 'seed' as const,
      columns: { method, software },
      ...(native ? { native } : {}),
    })),
    ...(retentionMs !== undefined ? { retentionMs } : {}),
  };
}

export const DME_CATALOGUE: PlatformCatalogue = {
  platform: 'dme',
  label: 'DME (OMA DM / download link)',
  statuses: [
    dmeStatus('installing', 'Installing', 'in_progress', [
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
    dmeStatus(
      'installed',
      'Installed',
      'installed',
      [
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
      ],
      INSTALLED_RETENTION_MS,
    ),
    // The seed's table has an OMA DM column and a download-link column; its Errors row holds one
    // message in each ("Installation failed", "Unknown status") and says "either of these two
    // messages": two states, one per method, with the row's one description.
    dmeStatus('errors', 'Errors', 'failed', [
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
