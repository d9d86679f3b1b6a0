/**
 * report.html's faults section: per fault, its window, the devices it strikes, what it injected
 * (or why it did not) and whether the tallies stayed exact; the notes on where differences lie,
 * the stuck devices with the state reconciliation expected of them, and the lost events. Pure.
 */
import type { RunResult } from '../result/result.js';
import { faultOutageLines, injectedText, lostLines, windowText } from './faults.js';
import { table } from './html-table.js';
import { xmlEscape as esc } from './junit.js';

/** Stuck devices and lost events listed on the page, at most (report.json has more). */
const LISTED = 100;

export function faultsHtml(r: RunResult): string {
  const faults = r.faults ?? [];
  if (faults.length === 0) return '';
  const rows = faults.map((f) => [
    esc(f.name),
    esc(f.kind),
    esc(windowText(f)),
    f.devices.toLocaleString('en-US'),
    esc(injectedText(f)),
    f.exact === null ? 'not reconciled' : f.exact ? 'exact' : 'differ',
  ]);
  const notes = [
    ...faultOutageLines(r).map((l) => `<li>${esc(l)}</li>`),
    ...faults.flatMap((f) => (f.note ? [`<li>${esc(f.name)}: ${esc(f.note)}</li>`] : [])),
  ];
  const stuck = faults
    .flatMap((f) => (f.stuck ?? []).map((d) => ({ f, d })))
    .slice(0, LISTED)
    .map(
      ({ f, d }) =>
        `<li>${esc(d.deviceId)} since +${Math.round(d.atMs / 1000)} s (fault '${esc(f.name)}'): expected its last reported state: ${esc(d.apps.map((a) => `${a.appId} ${a.last ? `${a.last.status}/${a.last.state} #${a.last.seq}` : 'never reported'}`).join('; '))}</li>`,
    );
  const lost = lostLines(r, LISTED);
  return `<h2>Faults</h2>${table(['fault', 'kind', 'window', 'devices', 'injected', 'tallies'], rows, [3], (i) =>
    faults[i]!.exact === false ? 'diff' : '',
  )}${notes.length ? `<ul class="notes">${notes.join('')}</ul>` : ''}${stuck.length ? `<h3>Stuck devices</h3><ul class="notes">${stuck.join('')}</ul>` : ''}${
    lost.length
      ? `<h3>Lost events</h3><p>${esc(lost[0]!)}</p>${
          lost.length > 1
            ? `<ul class="notes">${lost
                .slice(1)
                .map((l) => `<li>${esc(l.trim())}</li>`)
                .join('')}</ul>`
            : ''
        }`
      : ''
  }`;
}
