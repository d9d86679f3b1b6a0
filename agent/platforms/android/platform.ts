/** Android: the app's `android:` options and whether a device's OS can run the app. */
import { z } from 'zod';
import { definePlatform } from '../platform.js';
import { ANDROID_TRAITS, androidDevice, androidModel } from './model.js';

export const androidPlatform = definePlatform({
  platform: 'android',
  traits: ANDROID_TRAITS,
  model: androidModel,
  device: androidDevice,
  app: z
    .object({
      minOs: z.number().int().min(0).default(0).describe('Minimum Android major version. Default: 0.'),
    })
    .strict(),
  cohort: {},
  deviceTraits: () => ({}),
  installTraits: (t, app) => ({ ...t, osOk: (t.osMajor as number) >= app.minOs }),
  init: {
    cohort: [
      '    # osVersions: { "14": 0.6, "13": 0.4 }',
      '    # connectivity: { offline: 0.1 }      # share of downloads that find the device offline',
    ],
  },
});
