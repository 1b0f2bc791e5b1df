// postgres.js (npm `postgres`) against a pgwire server, as an application uses it.
//
//   node postgresjs.mjs postgresql://user@host:port/db BACKEND [CHECK...]
//
// BACKEND (duckdb, sqlite or postgres) only says what rolling back a savepoint that wrote
// must do: DuckDB has no savepoints, so there pgwire must refuse it with 0A000.

// postgres.js 4 is an ES module only, hence .mjs.

import assert from 'node:assert/strict';
import postgres from 'postgres';
import harness from './harness.js';

const { runChecks } = harness;

const [url, backend, ...only] = process.argv.slice(2);

function connect(options = {}) {
  return postgres(url, { max: 2, onnotice: () => {}, connect_timeout: 10, ...options });
}

async function withSql(fn, options) {
  const sql = connect(options);
  try {
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

const checks = {
  // Tagged templates: every ${value} becomes a bind parameter of an extended-protocol query.
  'tagged-parameters': () =>
    withSql(async (sql) => {
      await sql`drop table if exists pj_people`;
      await sql`create table pj_people (id integer primary key, name text not null, age integer, active boolean)`;
      const people = [
        { id: 1, name: 'Ada', age: 36, active: true },
        { id: 2, name: "O'Brien", age: null, active: false },
        { id: 3, name: 'Zoë', age: 7, active: true },
      ];
      const inserted = await sql`insert into pj_people ${sql(people)}`;
      assert.equal(inserted.count, 3);
      assert.equal(inserted.command, 'INSERT');
      const [one] = await sql`select name, age, active from pj_people where id = ${2}`;
      assert.deepEqual({ ...one }, { name: "O'Brien", age: null, active: false });
      const some = await sql`select id from pj_people where id in ${sql([1, 3])} and active = ${true} order by id`;
      assert.deepEqual(some.map((r) => r.id), [1, 3]);
      const named = await sql`select ${'x'}::text as t, ${41}::int + 1 as n, ${null}::text as z`;
      assert.deepEqual({ ...named[0] }, { t: 'x', n: 42, z: null });
      const updated = await sql`update pj_people set ${sql({ age: 37 }, 'age')} where name = ${'Ada'}`;
      assert.equal(updated.count, 1);
      const [ada] = await sql`select age from pj_people where name = ${'Ada'}`;
      assert.equal(ada.age, 37);
      const deleted = await sql`delete from pj_people where age is null returning id`;
      assert.deepEqual(deleted.map((r) => r.id), [2]);
    }),

  // sql.begin commits what the callback did; a throw rolls all of it back.
  transaction: () =>
    withSql(async (sql) => {
      await sql`drop table if exists pj_tx`;
      await sql`create table pj_tx (id integer primary key, note text)`;
      const got = await sql.begin(async (tx) => {
        await tx`insert into pj_tx values (${1}, ${'kept'})`;
        await tx`insert into pj_tx values (${2}, ${'kept too'})`;
        return 'done';
      });
      assert.equal(got, 'done');
      await assert.rejects(
        sql.begin(async (tx) => {
          await tx`insert into pj_tx values (${3}, ${'gone'})`;
          throw new Error('abandon');
        }),
        /abandon/,
      );
      // A failed statement aborts the transaction: sql.begin rolls back and rejects.
      await assert.rejects(
        sql.begin(async (tx) => {
          await tx`insert into pj_tx values (${4}, ${'gone'})`;
          await tx`insert into pj_tx values (${1}, ${'duplicate key'})`;
        }),
        (err) => err.code === '23505',
      );
      const rows = await sql`select id from pj_tx order by id`;
      assert.deepEqual(rows.map((r) => r.id), [1, 2]);
    }),

  // A savepoint that only read can always be rolled back; the outer transaction commits.
  'savepoint-read': () =>
    withSql(async (sql) => {
      await sql`drop table if exists pj_sp_read`;
      await sql`create table pj_sp_read (id integer primary key)`;
      await sql.begin(async (tx) => {
        await tx`insert into pj_sp_read values (${1})`;
        await tx
          .savepoint('look', async (sp) => {
            const [row] = await sp`select count(*)::int as n from pj_sp_read`;
            assert.equal(row.n, 1);
            throw new Error('changed my mind');
          })
          .catch((err) => assert.match(err.message, /changed my mind/));
        await tx`insert into pj_sp_read values (${2})`;
      });
      const rows = await sql`select id from pj_sp_read order by id`;
      assert.deepEqual(rows.map((r) => r.id), [1, 2]);
    }),

  // Rolling back a savepoint after a write: PostgreSQL and SQLite undo the write only; DuckDB
  // cannot, and the client must be told so clearly instead of committing the write.
  'savepoint-write': () =>
    withSql(async (sql) => {
      await sql`drop table if exists pj_sp_write`;
      await sql`create table pj_sp_write (id integer primary key)`;
      const inner = [];
      const outer = sql.begin(async (tx) => {
        await tx`insert into pj_sp_write values (${1})`;
        await tx
          .savepoint(async (sp) => {
            await sp`insert into pj_sp_write values (${2})`;
            await sp`insert into pj_sp_write values (${1})`; // duplicate key: fails
          })
          .catch((err) => inner.push(err));
        await tx`insert into pj_sp_write values (${3})`;
      });
      if (backend === 'duckdb') {
        // ROLLBACK TO SAVEPOINT is refused, so the savepoint rejects with that error, and
        // the transaction is aborted: nothing of it commits.
        await assert.rejects(outer, (err) => err.code === '25P02');
        assert.equal(inner.length, 1);
        assert.equal(inner[0].code, '0A000');
        assert.match(inner[0].message, /^cannot roll back to savepoint "s\d+"/);
        const rows = await sql`select id from pj_sp_write order by id`;
        assert.deepEqual(rows.map((r) => r.id), []);
      } else {
        await outer;
        assert.deepEqual(inner.map((err) => err.code), ['23505']);
        const rows = await sql`select id from pj_sp_write order by id`;
        assert.deepEqual(rows.map((r) => r.id), [1, 3]);
      }
    }),

  // jsonb: sql.json() sends a value, reads come back parsed.
  jsonb: () =>
    withSql(async (sql) => {
      await sql`drop table if exists pj_docs`;
      await sql`create table pj_docs (id integer primary key, body jsonb not null)`;
      const body = { name: 'widget', tags: ['a', 'b'], size: { w: 2, h: 3.5 }, ok: true, none: null };
      await sql`insert into pj_docs values (${1}, ${sql.json(body)})`;
      await sql`insert into pj_docs values (${2}, ${sql.json([1, 'two'])})`;
      const [row] = await sql`select body from pj_docs where id = ${1}`;
      assert.deepEqual(row.body, body);
      const [arr] = await sql`select body from pj_docs where id = ${2}`;
      assert.deepEqual(arr.body, [1, 'two']);
      const [field] = await sql`select body->>'name' as name, (body->'size'->>'w')::int as w from pj_docs where id = ${1}`;
      assert.deepEqual({ ...field }, { name: 'widget', w: 2 });
    }),

  // Arrays as parameters: postgres.js reads pg_type's array types at connect and sends JS
  // arrays as such.
  'array-parameters': () =>
    withSql(async (sql) => {
      await sql`drop table if exists pj_arrays`;
      await sql`create table pj_arrays (id integer primary key, nums integer[], words text[])`;
      await sql`insert into pj_arrays values (${1}, ${[1, 2, 3]}, ${['a', 'b c', 'd"e']})`;
      await sql`insert into pj_arrays values (${2}, ${[]}, ${null})`;
      const [row] = await sql`select nums, words from pj_arrays where id = ${1}`;
      assert.deepEqual(row.nums, [1, 2, 3]);
      assert.deepEqual(row.words, ['a', 'b c', 'd"e']);
      const [empty] = await sql`select nums, words from pj_arrays where id = ${2}`;
      assert.deepEqual(empty.nums, []);
      assert.equal(empty.words, null);
    }),

  // Arrays written in the SQL: constructors, '{...}' literals, = ANY.
  'array-sql': () =>
    withSql(async (sql) => {
      const [lit] = await sql`select array[1, 2]::int[] as a, '{x,y}'::text[] as b`;
      assert.deepEqual(lit.a, [1, 2]);
      assert.deepEqual(lit.b, ['x', 'y']);
      const [any] = await sql`select ${2}::int = any('{1,2}'::int[]) as hit`;
      assert.equal(any.hit, true);
    }),

  // Dates: date, timestamp and timestamptz round trips through JS Date values.
  dates: () =>
    withSql(async (sql) => {
      await sql`drop table if exists pj_dates`;
      await sql`create table pj_dates (id integer primary key, d date, ts timestamp, tstz timestamptz)`;
      const at = new Date('2024-02-29T13:45:30.123Z');
      await sql`insert into pj_dates values (${1}, ${'2024-02-29'}, ${'2024-02-29 13:45:30.123'}, ${at})`;
      const [row] = await sql`select d, ts, tstz from pj_dates where id = ${1}`;
      assert.ok(row.tstz instanceof Date);
      assert.equal(row.tstz.toISOString(), at.toISOString());
      assert.ok(row.d instanceof Date);
      // date and timestamp have no zone: postgres.js reads them in the client's own zone.
      assert.deepEqual([row.d.getFullYear(), row.d.getMonth(), row.d.getDate()], [2024, 1, 29]);
      assert.deepEqual([row.ts.getHours(), row.ts.getMinutes(), row.ts.getMilliseconds()], [13, 45, 123]);
      const [later] = await sql`select count(*)::int as n from pj_dates where tstz > ${new Date('2024-01-01T00:00:00Z')}`;
      assert.equal(later.n, 1);
    }),

  // date + integer is a date, days later (2024 is a leap year).
  'date-arithmetic': () =>
    withSql(async (sql) => {
      const [row] = await sql`select ${'2024-02-28'}::date + 2 as later, date '2024-03-01' - date '2024-02-01' as days`;
      assert.ok(row.later instanceof Date, `date + 2 gave ${JSON.stringify(row.later)}`);
      assert.deepEqual([row.later.getMonth(), row.later.getDate()], [2, 1]);
      assert.equal(row.days, 29);
    }),
};

runChecks(checks, only);
