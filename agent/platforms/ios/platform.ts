/**
 * iOS: the app's `ios:` options, the cohort fields of an iOS fleet (supervision, enrollment, an
 * assigned user), and how Not Relevant follows from them (seed 001's device criteria).
 */
import { z } from 'zod';
import { probability } from '../../../core/value-schemas.js';
import { definePlatform } from '../platform.js';
import { IOS_TRAITS, iosDevice, iosModel } from './model.js';

export const iosPlatform = definePlatform({
  platform: 'ios',
  traits: IOS_TRAITS,
  model: iosModel,
  device: iosDevice,
  app: z
    .object({
      kind: z
        .enum(IOS_TRAITS.appKind)
        .default('free')
        .describe(
          'free App Store app, VPP-licensed, paid with redemption codes, or enterprise (in-house). Default: "free".',
        ),
      licence: z.enum(IOS_TRAITS.licence).default('device').describe('VPP licence type. Default: "device".'),
      minOs: z.number().int().min(0).default(0).describe('Minimum iOS major version. Default: 0.'),
    })
    .strict(),
  cohort: {
    supervised: z
      .union([z.boolean(), probability])
      .default(true)
      .describe('iOS: supervised devices install silently; a number is the share that is. Default: true.'),
    enrollment: z.enum(IOS_TRAITS.enrollment).default('device').describe('iOS enrollment type. Default: "device".'),
    hasUser: z
      .boolean()
      .optional()
      .describe('iOS: whether a user is assigned to the device. Default: true, false for shared.'),
  },
  deviceTraits: (cohort, [supU]) => ({
    supervised: typeof cohort.supervised === 'boolean' ? cohort.supervised : supU < cohort.supervised,
    enrollment: cohort.enrollment,
    hasUser: cohort.hasUser ?? cohort.enrollment !== 'shared',
  }),
  installTraits: (t, { kind, licence, minOs }) => {
    // Device criteria (seed 001): device licence on a user enrollment, user licence with no
    // user, a non-licensed store app on a shared device.
    const deviceOk = !(
      (kind === 'vpp' && licence === 'device' && t.enrollment === 'user') ||
      (kind === 'vpp' && licence === 'user' && t.hasUser === false) ||
      ((kind === 'free' || kind === 'paid') && t.enrollment === 'shared')
    );
    // an Apple ID is asked for (and a purchase validated) only for an App Store purchase
    const storeLogin = kind === 'free' || kind === 'paid' || (kind === 'vpp' && licence === 'user');
    return { ...t, appKind: kind, licence, osOk: (t.osMajor as number) >= minOs, deviceOk, storeLogin };
  },
  licencePool: {
    takes: (app) => app.kind === 'vpp',
    apps: 'an iOS VPP app',
    declared: 'platforms including ios and ios: { kind: vpp }',
  },
  init: {
    app: '    # ios: { kind: vpp, licence: device, minOs: 16 }   # free | vpp | paid | enterprise',
    cohort: [
      '    # supervised: 0.8                     # share of supervised devices; the others prompt the user',
      '    # enrollment: device                  # device | user | shared',
      '    # osVersions: { "17": 0.7, "16": 0.3 }  # shares of the cohort, adding up to 1',
    ],
  },
});
