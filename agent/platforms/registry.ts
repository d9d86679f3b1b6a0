import type { Platform } from '../../protocol/catalogue/catalogue.js';
import type { DeviceProfile } from '../lifecycle/device-profile.js';
import type { LifecycleModel } from '../lifecycle/model.js';
import { androidDevice, androidModel } from './android.js';
import { dmeDevice, dmeModel } from './dme.js';
import { iosDevice, iosModel } from './ios.js';
import { windowsDevice, windowsModel } from './windows.js';

export const MODELS: Readonly<Record<Platform, LifecycleModel>> = {
  ios: iosModel,
  android: androidModel,
  windows: windowsModel,
  dme: dmeModel,
};

/** What each platform's devices are like apart from any app (agent/device walks it). */
export const DEVICES: Readonly<Record<Platform, DeviceProfile>> = {
  ios: iosDevice,
  android: androidDevice,
  windows: windowsDevice,
  dme: dmeDevice,
};
