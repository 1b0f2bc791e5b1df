// Runs named checks one after the other and prints one JSON object on stdout:
//   {"NAME": {"ok": true}, "OTHER": {"ok": false, "error": "...", "code": "42P01"}, ...}
// A check is an async function that throws (node:assert) when the application sees something
// else than PostgreSQL would give it. tests/apps/test_node_apps.py reads the object.

'use strict';

const fs = require('node:fs');

async function runChecks(checks, only) {
  const results = {};
  let current = null;
  // A client that hangs with nothing left to wait for lets node exit mid-check: the results
  // so far are still printed, the check that did not finish says so.
  process.on('exit', () => {
    if (current !== null) results[current] = { ok: false, error: 'did not finish: node exited' };
    fs.writeSync(1, JSON.stringify(results) + '\n'); // at exit only a synchronous write lands
  });
  for (const [name, fn] of Object.entries(checks)) {
    if (only.length && !only.includes(name)) continue;
    current = name;
    try {
      await fn();
      results[name] = { ok: true };
    } catch (err) {
      results[name] = { ok: false, error: String((err && err.message) || err), code: err && err.code };
      process.stderr.write(`${name}: ${(err && err.stack) || err}\n`);
    }
  }
  current = null;
}

module.exports = { runChecks };
