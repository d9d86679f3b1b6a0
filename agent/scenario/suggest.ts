/**
 * "did you mean ...?" for a misspelt field, app or metric. The distance allowed grows with the
 * word (a third of its length, at least 2), so `maxInFlite` finds `maxInFlight` (3 edits in 10
 * letters) while `qos` does not find `seed`. Pure.
 */

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length]!;
}

/** The closest known word, or undefined when none is close enough. */
export function closest(word: string, known: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  const allowed = Math.max(2, Math.floor(w.length / 3));
  let best: string | undefined;
  let bestD = allowed + 1;
  for (const k of known) {
    const kl = k.toLowerCase();
    // a prefix typed short ("errors.rat") is as good as one edit
    const dist = kl.startsWith(w) && w.length >= 3 ? Math.min(1, editDistance(w, kl)) : editDistance(w, kl);
    if (dist < bestD) {
      bestD = dist;
      best = k;
    }
  }
  return best;
}

/** ` (did you mean "count"?)`, or nothing. */
export function suggest(word: string, known: readonly string[]): string {
  const best = closest(word, known);
  return best ? ` (did you mean "${best}"?)` : '';
}
