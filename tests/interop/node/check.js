// node-postgres (`pg`) against a pgwire server.
//
//   node check.js [postgresql://user@host:port/db]
//
// Without an argument the connection comes from PGWIRE_URL, else from libpq's PGHOST, PGPORT,
// PGUSER, PGDATABASE (pg reads those itself). Each check prints "ok NAME" or
// "FAIL NAME: why" (stack on stderr); the last line is "passed N/M checks" and the exit status
// is 1 if any failed. tests/interop/test_node_pg.py runs it.

'use strict';

const assert = require('node:assert/strict');
const { Client, Pool } = require('pg');

const connectionString = process.argv[2] || process.env.PGWIRE_URL || undefined;
const config = { connectionString, connectionTimeoutMillis: 10000, statement_timeout: undefined };

async function withClient(fn) {
  const client = new Client(config);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const checks = [];
function check(name, fn) {
  checks.push({ name, fn });
}

// ------------------------------------------------------------------------------------ checks

check('simple-query', () =>
  withClient(async (c) => {
    // No parameters: pg sends a simple Query.
    const res = await c.query("select 1 + 1 as two, 'héllo' as greeting");
    assert.equal(res.command, 'SELECT');
    assert.equal(res.rowCount, 1);
    assert.deepEqual(res.fields.map((f) => f.name), ['two', 'greeting']);
    assert.equal(res.rows[0].two, 2);
    assert.equal(res.rows[0].greeting, 'héllo');
    // Several statements in one Query: one result each.
    const many = await c.query('select 1 as a; select 2 as b');
    assert.equal(many.length, 2);
    assert.equal(many[0].rows[0].a, 1);
    assert.equal(many[1].rows[0].b, 2);
    // DDL and DML command tags and counts.
    await c.query('drop table if exists node_simple');
    const created = await c.query('create table node_simple (id integer, name varchar)');
    assert.equal(created.command, 'CREATE');
    const inserted = await c.query("insert into node_simple values (1, 'a'), (2, 'b'), (3, 'c')");
    assert.equal(inserted.command, 'INSERT');
    assert.equal(inserted.rowCount, 3);
    const updated = await c.query("update node_simple set name = 'x' where id >= 2");
    assert.equal(updated.command, 'UPDATE');
    assert.equal(updated.rowCount, 2);
    const deleted = await c.query('delete from node_simple where id = 1');
    assert.equal(deleted.command, 'DELETE');
    assert.equal(deleted.rowCount, 1);
    const arrays = await c.query({ text: 'select id, name from node_simple order by id', rowMode: 'array' });
    assert.deepEqual(arrays.rows, [[2, 'x'], [3, 'x']]);
    await c.query('drop table node_simple');
  }));

check('parameters', () =>
  withClient(async (c) => {
    let res = await c.query('select $1::integer + 1 as n, $2::varchar || $3::varchar as s', [41, 'foo', 'bär']);
    assert.equal(res.rows[0].n, 42);
    assert.equal(res.rows[0].s, 'foobär');
    // Untyped parameters: pg sends every value as text with type 0, for the server to infer.
    res = await c.query('select $1 as s', ["it's \\ quoted"]);
    assert.equal(res.rows[0].s, "it's \\ quoted");
    res = await c.query('select $1::double + 0.5 as f, $2::bigint as big', [2.25, '9007199254740993']);
    assert.equal(res.rows[0].f, 2.75);
    assert.equal(res.rows[0].big, '9007199254740993'); // int8 comes back as a string
    // NULL.
    res = await c.query('select $1::integer as n, $2::varchar is null as isnull', [null, null]);
    assert.equal(res.rows[0].n, null);
    assert.equal(res.rows[0].isnull, true);
    // Booleans.
    res = await c.query('select $1::boolean as t, $2::boolean as f, not $1::boolean as nt', [true, false]);
    assert.deepEqual(res.rows[0], { t: true, f: false, nt: false });
    // Dates: a JS Date goes out as a local timestamp with its offset.
    const when = new Date(Date.UTC(2024, 1, 29, 13, 45, 56, 123));
    res = await c.query('select $1::timestamptz as ts, $2::date as d', [when, '2024-02-29']);
    assert.ok(res.rows[0].ts instanceof Date, `timestamptz as Date: ${res.rows[0].ts}`);
    assert.equal(res.rows[0].ts.toISOString(), '2024-02-29T13:45:56.123Z');
    assert.ok(res.rows[0].d instanceof Date, `date as Date: ${res.rows[0].d}`);
    const d = res.rows[0].d; // a date is read as local midnight
    assert.deepEqual([d.getFullYear(), d.getMonth() + 1, d.getDate()], [2024, 2, 29]);
    // Arrays: pg sends them as PostgreSQL array literals ('{1,2,3}').
    res = await c.query('select $1::integer[] as ints, $2::varchar[] as strs', [[1, 2, 3], ['a', 'b c', 'd"e']]);
    assert.deepEqual(res.rows[0].ints, [1, 2, 3]);
    assert.deepEqual(res.rows[0].strs, ['a', 'b c', 'd"e']);
    res = await c.query('select array_length($1::integer[]) as n', [[5, 6, 7, 8]]);
    assert.equal(Number(res.rows[0].n), 4);
    // JSON objects: sent as JSON text, json results parsed back.
    const doc = { a: 1, b: [true, null, 'x'], c: { d: 'é' } };
    res = await c.query('select $1::json as doc', [doc]);
    assert.deepEqual(res.rows[0].doc, doc);
    // Parameters into a table and back.
    await c.query('drop table if exists node_params');
    await c.query('create table node_params (i integer, s varchar, b boolean, d date, ts timestamp, j json)');
    for (let i = 0; i < 3; i++) {
      const ins = await c.query('insert into node_params values ($1, $2, $3, $4, $5, $6)', [
        i, `row ${i}`, i % 2 === 0, '2024-02-29', '2024-02-29 13:45:56.5', { i },
      ]);
      assert.equal(ins.rowCount, 1);
    }
    res = await c.query('select * from node_params where i >= $1 order by i', [1]);
    assert.equal(res.rowCount, 2);
    assert.equal(res.rows[0].s, 'row 1');
    assert.equal(res.rows[0].b, false);
    assert.deepEqual(res.rows[1].j, { i: 2 });
    assert.ok(res.rows[1].ts instanceof Date);
    assert.equal(res.rows[1].ts.getMilliseconds(), 500);
    await c.query('drop table node_params');
  }));

check('types', () =>
  withClient(async (c) => {
    const res = await c.query(`select
        cast(42 as integer) as i4, cast(-7 as smallint) as i2, cast(9000000000 as bigint) as i8,
        cast(3.25 as double) as f8, cast(1.5 as real) as f4, cast(12345.678 as decimal(10,3)) as num,
        true as yes, 'text' as txt, date '2024-02-29' as d, timestamp '2024-02-29 13:45:56.123' as ts,
        cast('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' as uuid) as u, cast('\\xDE\\xAD' as blob) as b,
        [1, 2, 3] as arr, ['x', null] as tarr, cast(null as integer) as nothing`);
    const r = res.rows[0];
    assert.equal(r.i4, 42);
    assert.equal(r.i2, -7);
    assert.equal(r.i8, '9000000000');
    assert.equal(r.f8, 3.25);
    assert.equal(r.f4, 1.5);
    assert.equal(r.num, '12345.678');
    assert.equal(r.yes, true);
    assert.equal(r.txt, 'text');
    assert.ok(r.d instanceof Date);
    assert.ok(r.ts instanceof Date);
    assert.deepEqual([r.ts.getFullYear(), r.ts.getMonth() + 1, r.ts.getDate(), r.ts.getHours(), r.ts.getMilliseconds()],
      [2024, 2, 29, 13, 123]);
    assert.equal(r.u, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    assert.ok(Buffer.isBuffer(r.b), `bytea as Buffer: ${r.b}`);
    assert.equal(r.b.toString('hex'), 'dead');
    assert.deepEqual(r.arr, [1, 2, 3]);
    assert.deepEqual(r.tarr, ['x', null]);
    assert.equal(r.nothing, null);
  }));

check('prepared-named', () =>
  withClient(async (c) => {
    // A named statement: Parse once, then Bind/Execute on every reuse.
    const query = {
      name: 'node-add',
      text: 'select $1::integer + $2::integer as total, $3::varchar as label',
    };
    for (let i = 0; i < 10; i++) {
      const res = await c.query({ ...query, values: [i, i * 10, `label ${i}`] });
      assert.equal(res.rows[0].total, i * 11);
      assert.equal(res.rows[0].label, `label ${i}`);
    }
    const nulls = await c.query({ ...query, values: [null, 1, null] });
    assert.deepEqual(nulls.rows[0], { total: null, label: null });
    // Two named statements alive at once, interleaved.
    const other = { name: 'node-upper', text: 'select upper($1::varchar) as up' };
    for (let i = 0; i < 3; i++) {
      assert.equal((await c.query({ ...other, values: [`x${i}`] })).rows[0].up, `X${i}`);
      assert.equal((await c.query({ ...query, values: [1, 2, 'y'] })).rows[0].total, 3);
    }
    // A named insert reused.
    await c.query('drop table if exists node_prepared');
    await c.query('create table node_prepared (id integer, name varchar)');
    for (let i = 0; i < 20; i++) {
      const res = await c.query({ name: 'node-ins', text: 'insert into node_prepared values ($1, $2)', values: [i, `n${i}`] });
      assert.equal(res.rowCount, 1);
    }
    const count = await c.query('select count(*)::integer as n, sum(id)::integer as s from node_prepared');
    assert.deepEqual(count.rows[0], { n: 20, s: 190 });
    await c.query('drop table node_prepared');
  }));

check('transaction', () =>
  withClient(async (c) => {
    await c.query('drop table if exists node_tx');
    await c.query('create table node_tx (id integer)');
    await c.query('BEGIN');
    await c.query('insert into node_tx values ($1)', [1]);
    await c.query('insert into node_tx values (2)');
    assert.equal((await c.query('select count(*)::integer as n from node_tx')).rows[0].n, 2);
    await c.query('ROLLBACK');
    assert.equal((await c.query('select count(*)::integer as n from node_tx')).rows[0].n, 0);
    await c.query('BEGIN');
    await c.query('insert into node_tx values ($1)', [3]);
    await c.query('COMMIT');
    assert.equal((await c.query('select count(*)::integer as n from node_tx')).rows[0].n, 1);
    // An error inside a transaction: 25P02 until ROLLBACK.
    await c.query('BEGIN');
    await assert.rejects(c.query('select * from no_such_table'), { code: '42P01' });
    await assert.rejects(c.query('select 1'), { code: '25P02' });
    await c.query('ROLLBACK');
    assert.equal((await c.query('select 1 as one')).rows[0].one, 1);
    await c.query('drop table node_tx');
  }));

check('errors', () =>
  withClient(async (c) => {
    let err = null;
    try {
      await c.query('select * from no_such_table');
    } catch (e) {
      err = e;
    }
    assert.ok(err, 'a missing table did not fail');
    assert.equal(err.code, '42P01');
    assert.equal(err.severity, 'ERROR');
    assert.match(err.message, /no_such_table/);
    // The connection is still usable, over both protocols.
    assert.equal((await c.query('select 1 as one')).rows[0].one, 1);
    await assert.rejects(c.query('select * from no_such_table where a = $1', [1]), { code: '42P01' });
    assert.equal((await c.query('select $1::integer as n', [5])).rows[0].n, 5);
    await assert.rejects(c.query('selec 1'), { code: '42601' });
    await assert.rejects(c.query({ name: 'node-bad', text: 'select * from no_such_table' }), { code: '42P01' });
    assert.equal((await c.query('select 2 as two')).rows[0].two, 2);
  }));

check('large-result', () =>
  withClient(async (c) => {
    const res = await c.query(
      "select g::integer as n, 'row ' || g as s, g * 0.5 as half from generate_series(1, 10000) as t(g) order by g");
    assert.equal(res.rowCount, 10000);
    assert.equal(res.rows.length, 10000);
    let sum = 0;
    res.rows.forEach((row, i) => {
      if (row.n !== i + 1 || row.s !== `row ${i + 1}`) {
        throw new assert.AssertionError({ message: `row ${i}: ${JSON.stringify(row)}` });
      }
      sum += row.n;
    });
    assert.equal(sum, 50005000);
    assert.equal(Number(res.rows[9999].half), 5000);
    // The same through the extended protocol.
    const ext = await c.query('select g from generate_series(1, $1::integer) as t(g)', [10000]);
    assert.equal(ext.rowCount, 10000);
    assert.equal(ext.rows[9999].g, '10000');
  }));

check('pool', async () => {
  const pool = new Pool({ ...config, max: 4 });
  try {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => pool.query('select $1::integer * 2 as n', [i])));
    assert.deepEqual(results.map((r) => r.rows[0].n), Array.from({ length: 20 }, (_, i) => i * 2));
  } finally {
    await pool.end();
  }
});

// ------------------------------------------------------------------------------------ main

async function main() {
  let passed = 0;
  const failed = [];
  for (const { name, fn } of checks) {
    try {
      await fn();
      passed++;
      console.log(`ok ${name}`);
    } catch (err) {
      failed.push(name);
      console.log(`FAIL ${name}: ${String(err && err.message).split('\n')[0]}`);
      console.error(`---- ${name}`);
      console.error(err);
    }
  }
  console.log(`passed ${passed}/${checks.length} checks`);
  if (failed.length) {
    console.log(`failed: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 2;
});
