/** DME: the app's `dme:` options (the kind of software) and the cohort's installation method. */
import { z } from 'zod';
import { probability } from '../../../core/value-schemas.js';
import { definePlatform } from '../platform.js';
import { DME_TRAITS, dmeDevice, dmeModel } from './model.js';

export const dmePlatform = definePlatform({
  platform: 'dme',
  traits: DME_TRAITS,
  model: dmeModel,
  device: dmeDevice,
  app: z
    .object({
      software: z
        .enum(DME_TRAITS.software)
        .default('other')
        .describe('A DME client is verified at the next system-info sync; other software is not. Default: "other".'),
    })
    .strict(),
  cohort: {
    method: z
      .union([z.enum(DME_TRAITS.method), probability])
      .default('oma-dm')
      .describe('DME: installation method; a number is the share using OMA DM. Default: "oma-dm".'),
  },
  deviceTraits: (cohort, [, methodU]) => ({
    method: typeof cohort.method === 'string' ? cohort.method : methodU < cohort.method ? 'oma-dm' : 'download-link',
  }),
  installTraits: (t, app) => ({ ...t, software: app.software }),
  init: {
    app: '    # dme: { software: dme-client }   # verified at the next sync',
    cohort: ['    # method: 0.8                         # share installing over OMA DM; the rest by download link'],
  },
});
