// Runs named checks one after the other and prints one JSON object on stdout:
//   {"NAME": {"ok": true}, "OTHER": {"ok": false, "error": "...", "code": "42P01"}, ...}
// A check is an async function that throws (node:assert) when the application sees something
// else than PostgreSQL would give it. tests/apps/test_node_apps.py reads the object.

'use strict';

async function runChecks(checks, only) {
  const results = {};
  for (const [name, fn] of Object.entries(checks)) {
    if (only.length && !only.includes(name)) continue;
    try {
      await fn();
      results[name] = { ok: true };
    } catch (err) {
      results[name] = { ok: false, error: String((err && err.message) || err), code: err && err.code };
      process.stderr.write(`${name}: ${(err && err.stack) || err}\n`);
    }
  }
  process.stdout.write(JSON.stringify(results) + '\n');
}

module.exports = { runChecks };
