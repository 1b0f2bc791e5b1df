// node-postgres authentication against a pgwire server: the right password connects (plain
// and TLS), a wrong one fails with code 28P01.
//
//   node auth.js HOST PORT USER PASSWORD
//
// Prints one line per attempt: "ok NAME VALUE" or "code NAME SQLSTATE".

'use strict';

const { Client } = require('pg');

async function attempt(name, config) {
  const client = new Client({ connectionTimeoutMillis: 10000, ...config });
  try {
    await client.connect();
    const res = await client.query('select 41 + 1 as v');
    console.log(`ok ${name} ${res.rows[0].v}`);
  } catch (err) {
    console.log(`code ${name} ${err.code}`);
  } finally {
    await client.end().catch(() => {});
  }
}

async function main() {
  const [host, port, user, password] = process.argv.slice(2);
  const base = { host, port: Number(port), user, database: 'db' };
  await attempt('plain', { ...base, password });
  await attempt('tls', { ...base, password, ssl: { rejectUnauthorized: false } });
  await attempt('wrong', { ...base, password: password + '-wrong' });
}

main();
