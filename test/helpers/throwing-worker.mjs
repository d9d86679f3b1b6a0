// A worker that fails at once with the error class its job names, reported exactly as
// run/worker-main.ts reports a failure (protocol/errors.ts toWire). Runs from dist/ (npm test builds).
import { ERROR_CLASSES, toWire } from '../../dist/protocol/errors.js';

process.once('message', (job) => {
  const code = job.options.scenarioFile;
  const err = code === 'TypeError' ? new TypeError('not a function') : ERROR_CLASSES[code](`failed with ${code}`);
  process.send({ type: 'error', ...toWire(err) }, () => process.exit(1));
});
