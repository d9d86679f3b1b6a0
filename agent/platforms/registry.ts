import type { Platform } from '../../protocol/catalogue.js';
import { androidModel } from './android.js';
import { dmeModel } from './dme.js';
import { iosModel } from './ios.js';
import type { LifecycleModel } from '../lifecycle/model.js';
import { windowsModel } from './windows.js';

export const MODELS: Readonly<Record<Platform, LifecycleModel>> = {
  ios: iosModel,
  android: androidModel,
  windows: windowsModel,
  dme: dmeModel,
};
