/** The devices benches' fleet: four platforms in equal cohorts, 1 to 3 apps, no network. */
export function devicesScenarioText(apps: number): string {
  const list = ['com.acme.mail', 'com.acme.vpn', 'com.acme.notes'].slice(0, Math.max(1, Math.min(3, apps)));
  return `
name: devices-bench
seed: 5
apps:
${list.map((id) => `  - { id: ${id}, version: 1.0.0, ios: { kind: vpp } }`).join('\n')}
cohorts:
  - { name: ios, platform: ios, count: 250, supervised: 0.8 }
  - { name: android, platform: android, count: 250 }
  - { name: windows, platform: windows, count: 250 }
  - { name: dme, platform: dme, count: 250, method: 0.8 }
`;
}
