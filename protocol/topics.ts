/** Topic and URL shapes of the default wire format (docs/protocol.md). */

/** Devices publish each status event here, QoS 1 by default. */
export const STATUS_TOPIC_TEMPLATE = 'devices/{deviceId}/apps/{appId}/status';
/** The embedded broker publishes a JSON reason here for every event it refuses over MQTT. */
export const REJECTION_TOPIC_PREFIX = 'fleetsim/rejections/';

export function statusTopic(deviceId: string, appId: string): string {
  return `devices/${deviceId}/apps/${appId}/status`;
}

export function rejectionTopic(clientId: string): string {
  return REJECTION_TOPIC_PREFIX + clientId;
}

/**
 * A device's online/offline notice (the MQTT transport sets it as its last will). Part of the
 * contract so that the endpoint passes it on instead of refusing it as a malformed status topic.
 */
export function presenceTopic(deviceId: string): string {
  return `devices/${deviceId}/presence`;
}

/** The device of a presence topic, or undefined if it is not one. */
export function parsePresenceTopic(topic: string): string | undefined {
  const parts = topic.split('/');
  return parts.length === 3 && parts[0] === 'devices' && parts[2] === 'presence' && parts[1] ? parts[1] : undefined;
}

/** Splits a status topic into its device and app, or returns undefined if it is not one. */
export function parseStatusTopic(topic: string): { deviceId: string; appId: string } | undefined {
  const parts = topic.split('/');
  if (parts.length !== 5 || parts[0] !== 'devices' || parts[2] !== 'apps' || parts[4] !== 'status') return undefined;
  if (!parts[1] || !parts[3]) return undefined;
  return { deviceId: parts[1], appId: parts[3] };
}

export const HTTP_EVENTS_PATH = '/v1/events';
export function talliesPath(appId: string): string {
  return `/v1/apps/${encodeURIComponent(appId)}/tallies`;
}
