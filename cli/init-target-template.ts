/**
 * The target description `fleetsim init --target URL` writes beside the scenario: the URL live,
 * and what a user changes next for their own service (wire templates, identities, TLS, how the
 * counts are read back) commented out, each as docs/targets.md describes it. Pure.
 */
import { TRANSPORTS, type TransportKind } from '../transport/kinds/kinds.js';

export interface InitTargetAnswers {
  url: string;
  kind: TransportKind;
  scenarioFile: string;
}

const MQTT_WIRE = [
  '#   topic: "acme/{tenant}/devices/{deviceId}/software/{appId}"     # your topic (default: docs/protocol.md)',
  '#   values: { tenant: eu }                                         # your own template variables',
];
const HTTP_WIRE = [
  '#   method: PUT                                                    # default POST',
  '#   path: "/api/v2/devices/{deviceId}/software/{appId}/status"     # default: the URL\'s path',
];

export function initTarget(a: InitTargetAnswers): string {
  const tls = /^(mqtts|wss|https):/.test(a.url);
  const { route, connections } = TRANSPORTS[a.kind];
  return [
    `# Your ingestion service, for \`fleetsim run ${a.scenarioFile} --target-file <this file>\` (docs/targets.md).`,
    '# ${NAME} and ${NAME:-default} come from the environment, so secrets stay out of this file.',
    `url: ${a.url}`,
    '',
    "# The wire: fleetsim's own event shape unless you describe yours (docs/targets.md, 2).",
    '# wire:',
    ...(route === 'path' ? HTTP_WIRE : MQTT_WIRE),
    '#   body:                                                          # a JSON template of your report',
    '#     device: { serial: "{deviceId}", os: "{platformCode}" }',
    '#     report: { counter: "{seq}", phase: "{statusCode}", detail: "{stateCode}", observedAt: "{simTs|iso}" }',
    '#   codes:                                                         # our (platform, status, state) -> yours',
    '#     platform: { ios: IOS, android: ANDROID, windows: WINDOWS, dme: OMADM }',
    '#     status: { installed: INSTALLED, success: INSTALLED, failed: FAILED, errors: FAILED, "*": OTHER }',
    '#     state: { "*": "{state|upper}" }',
    '',
    '# Identities (docs/targets.md, 3).',
    '# headers: { Authorization: "Bearer ${INGEST_TOKEN}" }',
    // a connection per device carries its own client id and credentials
    ...(connections === 'per-device'
      ? ['# clientId: "acme-{deviceId}"', '# username: "{deviceId}"', '# password: "${DEVICE_PASSWORD}"']
      : []),
    `${tls ? '' : '# '}tls:`,
    `${tls ? '' : '# '}  # ca: certs/ca.pem          # the CA of your server's certificate (default: the system's)`,
    `${tls ? '' : '# '}  insecure: false           # true accepts any certificate (test systems only)`,
    '',
    '# How fleetsim reads your counts back to reconcile them (docs/targets.md, 4). With none the run',
    '# sends only: report.json keeps the expected tallies, junit.xml marks reconciliation skipped.',
    'tallies:',
    '  source: none',
    "  # source: fleetsim          # a fleetsim serve: its tallies API at the URL's host (http port)",
    '  # url: http://127.0.0.1:8080',
    '  # source: http              # your API: one request per app, rows mapped by JSONata',
    '  # url: "https://ingest.example/api/apps/{appId}/counts"',
    '  # rows: "items.{ \\"app\\": $appId, \\"platform\\": os, \\"status\\": phase, \\"state\\": detail, \\"count\\": n }"',
    '  # source: postgres          # your database',
    '  # connection: postgres://reader:${PGPASSWORD}@db:5432/ingest',
    '  # query: SELECT app, platform, status, state, count(*) AS count FROM status WHERE app = ANY(:apps) GROUP BY 1, 2, 3, 4',
    '# settle: { timeout: 30s, interval: 500ms }   # a pipeline counts after it acknowledges: read again until this',
    '',
  ].join('\n');
}
