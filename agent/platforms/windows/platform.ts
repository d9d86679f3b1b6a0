/** Windows: the app's `windows:` options: the relevance criteria they make, and the installer. */
import { z } from 'zod';
import { definePlatform } from '../platform.js';
import { WINDOWS_TRAITS, windowsDevice, windowsModel } from './model.js';

export const windowsPlatform = definePlatform({
  platform: 'windows',
  traits: WINDOWS_TRAITS,
  model: windowsModel,
  device: windowsDevice,
  app: z
    .object({
      minOs: z
        .number()
        .int()
        .min(0)
        .default(0)
        .describe('Minimum Windows major version for the relevance criteria. Default: 0.'),
      installer: z
        .enum(WINDOWS_TRAITS.installer)
        .default('msi')
        .describe(
          'msi: an MSI job of the EnterpriseDesktopAppManagement CSP (quiet, retried); store: a Microsoft Store app whose updates are offered to the user. Default: "msi".',
        ),
    })
    .strict(),
  cohort: {},
  deviceTraits: () => ({}),
  installTraits: (t, app) => ({ ...t, relevant: (t.osMajor as number) >= app.minOs, installer: app.installer }),
  init: { cohort: ['    # osVersions: { "11": 0.7, "10": 0.3 }'] },
});
