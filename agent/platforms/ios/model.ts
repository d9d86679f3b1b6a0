/**
 * iOS install and update lifecycle (MaaS360 iOS table, seeds 000 and 001). Native codes are the
 * Status values of Apple's ManagedApplicationList response (protocol/catalogue/ios.ts). No published
 * figures exist for how often users reject or ignore prompts: every weight and every delay here
 * is an assumption (docs/lifecycles.md), overridable per platform, cohort or app.
 */
import { exponential, lognormal, uniform } from '../../../core/delay.js';
import type { DeviceProfile } from '../../lifecycle/device-profile.js';
import { CHECK_IN, END, PUSHED, type LifecycleModel } from '../../lifecycle/model.js';
import type { TraitsOf } from '../../lifecycle/traits.js';

const EIGHT_HOURS = uniform(7.5 * 3_600_000, 8.5 * 3_600_000);

/** How an iPhone or iPad checks in, is offline, and answers NotNow (docs/lifecycles.md, "The device"). */
export const iosDevice: DeviceProfile = {
  diskFull: ['installing->install_failed'],
  causes: [
    {
      name: 'ios-no-space',
      transitions: ['installing->install_failed'],
      share: 0.003,
      why: 'the device has no space left for the app',
      source: 'assumption: no published failure rates; a small share, persistent on the device',
    },
  ],
  checkIn: {
    push: lognormal(30_000, 1.2),
    session: EIGHT_HOURS,
    commandGapMs: 1_000,
    source:
      'push: assumption (APNs then the MDM check-in, median 30 s); sessions: Intune documents an iOS/iPadOS check-in about every 8 hours (MaaS360 publishes none); one command per round trip, about 1 s apart: assumption',
  },
  connectivity: {
    checkInsWait: true,
    offline: 0.02,
    outage: lognormal(1_800_000, 1),
    source: 'assumption: 2 % of the time offline, outages of median 30 min',
  },
  presence: {
    locked: 0.1,
    unlock: lognormal(1_200_000, 1),
    source:
      'Apple: a device that cannot run a command (InstallApplication among them) while locked answers NotNow and polls again when conditions change; the 10 % of check-ins and the median 20 min to the unlock are assumptions',
  },
};

/** The traits the iOS model's guards read (agent/lifecycle/traits.ts checks every guard against them). */
export const IOS_TRAITS = {
  supervised: 'boolean',
  enrollment: ['device', 'user', 'shared'],
  hasUser: 'boolean',
  appKind: ['free', 'vpp', 'paid', 'enterprise'],
  licence: ['device', 'user'],
  osOk: 'boolean',
  deviceOk: 'boolean',
  storeLogin: 'boolean',
} as const;

export const iosModel: LifecycleModel<TraitsOf<typeof IOS_TRAITS>> = {
  platform: 'ios',
  start: 'start',
  // Assumption: APNs delivery plus the device's MDM check-in, median 30 s with a long tail.
  checkIn: lognormal(30_000, 1.2),
  checkInSource: 'assumption: APNs push then MDM check-in, median 30 s (no published figure)',
  nodes: {
    // Relevance first: OS criteria, then device criteria (seed 001's three licence/enrollment cases).
    start: {
      out: [
        { to: 'not_relevant_os', when: { osOk: false }, why: 'device OS is below the app minimum' },
        {
          to: 'not_relevant_device',
          when: { osOk: true, deviceOk: false },
          why: 'licence type does not fit the enrollment (device criteria)',
        },
        // a finite pool (a vpp-pool cause): the server assigns its licences as devices check in
        {
          to: 'licence_requested',
          when: { osOk: true, deviceOk: true, appKind: 'vpp' },
          weight: 0,
          device: 'pooled',
          why: "the app's licences come from a finite VPP pool: the server assigns one when the device checks in",
        },
        {
          to: 'licensed_scheduled',
          when: { osOk: true, deviceOk: true, appKind: 'vpp' },
          delay: uniform(500, 5_000),
          device: 'licensed',
          why: 'VPP licence acquired first',
        },
        {
          to: 'command_scheduled',
          when: { osOk: true, deviceOk: true, appKind: ['free', 'paid', 'enterprise'] },
          why: 'install command queued for the device',
        },
      ],
    },
    // Licences of a pool go in check-in order (assumption: the server evaluates the assignment
    // when the device checks in after the push, as Intune does; a licence assigned to a device
    // stays with it through a wipe, Apple's device assignment).
    licence_requested: {
      out: [{ to: 'licence_check', delay: PUSHED, why: 'device checked in after the push' }],
    },
    licence_check: {
      out: [
        {
          to: 'licensed_scheduled',
          when: { appKind: 'vpp' },
          delay: uniform(500, 5_000),
          device: 'licensed',
          why: 'VPP licence assigned at the check-in',
        },
        {
          to: 'no_licence',
          when: { appKind: 'vpp' },
          weight: 0,
          device: 'no-licence',
          why: "the app's VPP licence pool is used up: no licence for this device",
        },
      ],
    },
    not_relevant_os: { status: 'not_relevant', state: 'os_criteria' },
    not_relevant_device: { status: 'not_relevant', state: 'device_criteria' },
    command_scheduled: {
      status: 'pending_install',
      state: 'command_scheduled',
      out: [{ to: 'checked_in', delay: PUSHED, why: 'device checked in after the push' }],
    },
    // No licence acquired, so not "Licensed Installation Scheduled": the command waits, and the
    // licence assignment fails (assumption: MaaS360 fails the install rather than queueing it).
    no_licence: {
      status: 'pending_install',
      state: 'command_scheduled',
      out: [
        {
          to: 'install_failed',
          delay: uniform(1_000, 10_000),
          why: 'the VPP licence assignment failed: no licence left in the pool',
        },
      ],
    },
    licensed_scheduled: {
      status: 'pending_install',
      state: 'licensed_installation_scheduled',
      out: [{ to: 'checked_in', delay: PUSHED, why: 'device checked in after the push' }],
    },
    checked_in: {
      out: [
        {
          to: 'waiting_code',
          when: { appKind: 'paid' },
          why: 'paid app without a VPP licence needs a redemption code',
        },
        { to: 'on_device', when: { appKind: ['free', 'vpp', 'enterprise'] }, why: 'install command received' },
      ],
    },
    // Is the app already there, installed by the user from the App Store?
    on_device: {
      out: [
        {
          to: 'user_installed_before',
          weight: 0.03,
          delay: uniform(1_000, 5_000),
          why: 'the user had installed the app before the managed install',
        },
        { to: 'route_prompt', weight: 0.97, why: 'app not on the device yet' },
      ],
    },
    user_installed_before: {
      status: 'installed',
      state: 'user_installed_before',
      out: [
        { to: 'take_management_silently', when: { supervised: true }, why: 'supervised device' },
        {
          to: 'prompted_management',
          when: { supervised: false },
          delay: uniform(1_000, 10_000),
          why: 'the device asks the user to let the app be managed',
        },
      ],
    },
    take_management_silently: {
      out: [
        { to: 'installed', delay: uniform(1_000, 10_000), why: 'management taken over without a prompt (supervised)' },
      ],
    },
    prompted_management: {
      status: 'installed',
      state: 'prompted_management',
      out: [
        {
          to: 'installed',
          weight: 0.8,
          delay: lognormal(600_000, 1.5),
          why: 'user accepted management of the installed app',
        },
        {
          to: 'management_rejected',
          weight: 0.2,
          delay: lognormal(600_000, 1.5),
          why: 'user rejected management of the installed app',
        },
      ],
    },
    management_rejected: { status: 'installed', state: 'management_rejected' },
    waiting_code: {
      status: 'installing',
      state: 'waiting_for_redemption_code',
      out: [
        { to: 'redeeming', delay: exponential(600_000), why: 'a redemption code was assigned from the VPP code pool' },
      ],
    },
    redeeming: {
      status: 'installing',
      state: 'redeeming_code',
      out: [{ to: 'route_prompt', delay: uniform(1_000, 10_000), why: 'code redeemed' }],
    },
    // Only an App Store purchase can ask for an Apple ID and validate it: in-house apps and
    // device-licensed VPP apps never do (the `storeLogin` trait, ios/platform.ts).
    route_prompt: {
      out: [
        {
          to: 'installing',
          when: { supervised: true },
          delay: uniform(500, 3_000),
          why: 'supervised device installs silently',
        },
        {
          to: 'prompted',
          when: { supervised: false, storeLogin: true },
          delay: uniform(500, 3_000),
          why: 'unsupervised device prompts the user',
        },
        {
          to: 'prompted_plain',
          when: { supervised: false, storeLogin: false },
          delay: uniform(500, 3_000),
          why: 'unsupervised device prompts the user (no App Store purchase: in-house or device-licensed)',
        },
      ],
    },
    prompted_plain: {
      status: 'installing',
      state: 'prompted_install',
      out: [
        { to: 'installing', weight: 0.85, delay: lognormal(20_000, 1), why: 'user accepted the prompt' },
        { to: 'user_rejected', weight: 0.07, delay: lognormal(15_000, 1), why: 'user rejected the install prompt' },
        {
          to: 'prompt_ignored_plain',
          weight: 0.08,
          delay: lognormal(14_400_000, 1),
          why: 'user ignored the prompt for a while',
        },
      ],
    },
    prompt_ignored_plain: {
      out: [{ to: 'prompted_plain', delay: CHECK_IN, why: 'prompted again at the next check-in' }],
    },
    prompted: {
      status: 'installing',
      state: 'prompted_install',
      out: [
        { to: 'installing', weight: 0.8, delay: lognormal(20_000, 1), why: 'user accepted the prompt' },
        {
          to: 'prompted_login',
          weight: 0.05,
          delay: lognormal(10_000, 1),
          why: 'user accepted; the App Store asked for a login',
        },
        { to: 'user_rejected', weight: 0.07, delay: lognormal(15_000, 1), why: 'user rejected the install prompt' },
        {
          to: 'prompt_ignored',
          weight: 0.08,
          delay: lognormal(14_400_000, 1),
          why: 'user ignored the prompt for a while',
        },
      ],
    },
    prompt_ignored: {
      out: [{ to: 'prompted', delay: CHECK_IN, why: 'prompted again at the next check-in' }],
    },
    prompted_login: {
      status: 'installing',
      state: 'prompted_login',
      out: [
        { to: 'validating', weight: 0.9, delay: lognormal(30_000, 1), why: 'user logged in to the App Store' },
        { to: 'user_rejected', weight: 0.1, delay: lognormal(60_000, 1), why: 'user cancelled the App Store login' },
      ],
    },
    validating: {
      status: 'installing',
      state: 'validating_purchase',
      out: [{ to: 'installing', delay: uniform(1_000, 5_000), why: 'purchase validated' }],
    },
    installing: {
      status: 'installing',
      state: 'installing',
      out: [
        { to: 'installed', weight: 0.96, delay: lognormal(45_000, 0.8), why: 'download and install completed' },
        { to: 'install_failed', weight: 0.03, delay: lognormal(45_000, 0.8), why: 'installation failed on the device' },
        {
          to: 'unknown',
          weight: 0.01,
          delay: lognormal(45_000, 0.8),
          why: 'the device reported a status MaaS360 cannot map',
        },
      ],
    },
    unknown: {
      status: 'unknown',
      state: 'unknown',
      out: [
        { to: 'installed', weight: 0.7, delay: CHECK_IN, why: 'the next check-in reported the app as managed' },
        { to: END, weight: 0.3, why: 'the state stayed unknown' },
      ],
    },
    installed: {
      status: 'installed',
      state: 'installed',
      onUpdate: 'update_offered',
      out: [
        { to: END, weight: 0.98, why: 'the app stays installed' },
        { to: 'removed', weight: 0.02, delay: lognormal(259_200_000, 1), why: 'the user removed the managed app' },
      ],
    },
    removed: { status: 'removed', state: 'uninstalled' },
    user_rejected: { status: 'failed', state: 'user_rejected' },
    install_failed: { status: 'failed', state: 'install_failed' },
    // Update lifecycle: mirrors the install (seed 000's update flowchart).
    update_offered: {
      out: [{ to: 'route_update', delay: PUSHED, why: 'device checked in and received the update command' }],
    },
    route_update: {
      out: [
        {
          to: 'updating',
          when: { supervised: true },
          delay: uniform(500, 3_000),
          why: 'supervised device updates silently',
        },
        {
          to: 'prompted_update',
          when: { supervised: false, storeLogin: true },
          delay: uniform(500, 3_000),
          why: 'unsupervised device prompts for the update',
        },
        {
          to: 'prompted_update_plain',
          when: { supervised: false, storeLogin: false },
          delay: uniform(500, 3_000),
          why: 'unsupervised device prompts for the update (no App Store purchase)',
        },
      ],
    },
    prompted_update_plain: {
      status: 'pending_update',
      state: 'prompted_update',
      out: [
        { to: 'updating', weight: 0.9, delay: lognormal(20_000, 1), why: 'user accepted the update' },
        { to: 'user_rejected_update', weight: 0.1, delay: lognormal(15_000, 1), why: 'user rejected the update' },
      ],
    },
    prompted_update: {
      status: 'pending_update',
      state: 'prompted_update',
      out: [
        { to: 'updating', weight: 0.85, delay: lognormal(20_000, 1), why: 'user accepted the update' },
        {
          to: 'prompted_update_login',
          weight: 0.05,
          delay: lognormal(10_000, 1),
          why: 'user accepted; the App Store asked for a login',
        },
        { to: 'user_rejected_update', weight: 0.1, delay: lognormal(15_000, 1), why: 'user rejected the update' },
      ],
    },
    prompted_update_login: {
      status: 'pending_update',
      state: 'prompted_update_login',
      out: [
        { to: 'validating_update', weight: 0.9, delay: lognormal(30_000, 1), why: 'user logged in to the App Store' },
        {
          to: 'user_rejected_update',
          weight: 0.1,
          delay: lognormal(60_000, 1),
          why: 'user cancelled the App Store login for the update',
        },
      ],
    },
    validating_update: {
      status: 'updating',
      state: 'validating_update',
      out: [{ to: 'updating', delay: uniform(1_000, 5_000), why: 'update purchase validated' }],
    },
    updating: {
      status: 'updating',
      state: 'updating',
      // The seed has no update-failure state besides the user's rejection.
      out: [{ to: 'installed', delay: lognormal(45_000, 0.8), why: 'update installed' }],
    },
    user_rejected_update: { status: 'upgrade_failed', state: 'user_rejected_update' },
  },
};
