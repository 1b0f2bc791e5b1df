// knex (with `pg`) against a pgwire server: schema builder, queries, transactions, columnInfo
// and migrations, as an application uses them.
//
//   node knex.js postgresql://user@host:port/db MIGRATIONS_DIR [CHECK...]
//
// MIGRATIONS_DIR is an empty directory the migrations check writes its files to.

'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const Knex = require('knex');
const { runChecks } = require('./harness');

const [url, migrationsDir, ...only] = process.argv.slice(2);

async function withKnex(fn) {
  const knex = Knex({ client: 'pg', connection: url, pool: { min: 0, max: 2 } });
  try {
    return await fn(knex);
  } finally {
    await knex.destroy();
  }
}

// authors and books, as an application's first migration would make them. The foreign key
// (knex adds it by ALTER TABLE ... ADD CONSTRAINT) is made only where `withForeignKey`, so
// that the other checks reach past it.
async function createLibrary(knex, prefix, withForeignKey = false) {
  await knex.schema.dropTableIfExists(`${prefix}_books`);
  await knex.schema.dropTableIfExists(`${prefix}_authors`);
  await knex.schema.createTable(`${prefix}_authors`, (t) => {
    t.increments('id');
    t.string('name').notNullable();
    t.integer('born');
    t.jsonb('meta');
    t.timestamps(true, true);
  });
  await knex.schema.createTable(`${prefix}_books`, (t) => {
    t.increments('id');
    const author = t.integer('author_id').notNullable();
    if (withForeignKey) author.references('id').inTable(`${prefix}_authors`);
    t.string('title', 100).notNullable();
    t.index(['title'], `${prefix}_books_title_idx`);
  });
}

const checks = {
  'schema-builder': () =>
    withKnex(async (knex) => {
      await createLibrary(knex, 'kx_schema');
      assert.equal(await knex.schema.hasTable('kx_schema_authors'), true);
      assert.equal(await knex.schema.hasTable('kx_schema_nothing'), false);
      assert.equal(await knex.schema.hasColumn('kx_schema_books', 'title'), true);
      await knex.schema.alterTable('kx_schema_authors', (t) => {
        t.string('country', 2);
      });
      assert.equal(await knex.schema.hasColumn('kx_schema_authors', 'country'), true);
      await knex.schema.dropTable('kx_schema_books');
      assert.equal(await knex.schema.hasTable('kx_schema_books'), false);
    }),

  // Renaming a table that has an index.
  'rename-table': () =>
    withKnex(async (knex) => {
      await createLibrary(knex, 'kx_rename');
      await knex.schema.dropTableIfExists('kx_rename_works');
      await knex.schema.renameTable('kx_rename_books', 'kx_rename_works');
      assert.equal(await knex.schema.hasTable('kx_rename_works'), true);
      assert.equal(await knex.schema.hasTable('kx_rename_books'), false);
    }),

  'foreign-key': () =>
    withKnex(async (knex) => {
      await createLibrary(knex, 'kx_fk', true);
      await knex('kx_fk_authors').insert({ name: 'Ursula' });
      await knex('kx_fk_books').insert({ author_id: 1, title: 'The Dispossessed' });
      await assert.rejects(knex('kx_fk_books').insert({ author_id: 99, title: 'Nobody' }), (err) => err.code === '23503');
    }),

  'insert-select-update-delete': () =>
    withKnex(async (knex) => {
      await createLibrary(knex, 'kx_crud');
      const ids = await knex('kx_crud_authors')
        .insert([
          { name: 'Ursula', born: 1929, meta: { genres: ['sf', 'fantasy'] } },
          { name: 'Terry', born: 1948, meta: { genres: ['fantasy'] } },
          { name: 'Iain', born: 1954, meta: null },
        ])
        .returning('id');
      assert.deepEqual(ids, [{ id: 1 }, { id: 2 }, { id: 3 }]);
      await knex('kx_crud_books').insert([
        { author_id: 1, title: 'The Dispossessed' },
        { author_id: 2, title: 'Mort' },
        { author_id: 2, title: 'Small Gods' },
      ]);
      const [ursula] = await knex('kx_crud_authors').where({ name: 'Ursula' }).select('*');
      assert.equal(ursula.born, 1929);
      assert.deepEqual(ursula.meta, { genres: ['sf', 'fantasy'] });
      assert.ok(ursula.created_at instanceof Date);
      const some = await knex('kx_crud_authors').whereIn('id', [2, 3]).orderBy('id').pluck('name');
      assert.deepEqual(some, ['Terry', 'Iain']);
      const joined = await knex('kx_crud_books as b')
        .join('kx_crud_authors as a', 'a.id', 'b.author_id')
        .where('a.born', '>', 1940)
        .orderBy('b.title')
        .select('a.name', 'b.title');
      assert.deepEqual(joined, [
        { name: 'Terry', title: 'Mort' },
        { name: 'Terry', title: 'Small Gods' },
      ]);
      const [{ n }] = await knex('kx_crud_books').count('* as n').where('author_id', 2);
      assert.equal(Number(n), 2);
      const updated = await knex('kx_crud_authors').where('id', 3).update({ born: 1955 });
      assert.equal(updated, 1);
      const deleted = await knex('kx_crud_books').where('title', 'like', '%Gods').del();
      assert.equal(deleted, 1);
      const left = await knex('kx_crud_books').orderBy('id').pluck('title');
      assert.deepEqual(left, ['The Dispossessed', 'Mort']);
    }),

  transaction: () =>
    withKnex(async (knex) => {
      await knex.schema.dropTableIfExists('kx_tx');
      await knex.schema.createTable('kx_tx', (t) => {
        t.increments('id');
        t.string('note');
      });
      await knex.transaction(async (trx) => {
        await trx('kx_tx').insert({ note: 'kept' });
        await trx('kx_tx').insert({ note: 'kept too' });
      });
      await assert.rejects(
        knex.transaction(async (trx) => {
          await trx('kx_tx').insert({ note: 'gone' });
          throw new Error('abandon');
        }),
        /abandon/,
      );
      const notes = await knex('kx_tx').orderBy('id').pluck('note');
      assert.deepEqual(notes, ['kept', 'kept too']);
    }),

  // increments() is a serial: an integer, not null, whose default is its sequence.
  'column-info-serial': () =>
    withKnex(async (knex) => {
      await createLibrary(knex, 'kx_serial');
      const { id } = await knex('kx_serial_authors').columnInfo();
      assert.equal(id.type, 'integer');
      assert.equal(id.nullable, false);
      assert.match(String(id.defaultValue), /^nextval\('kx_serial_authors_id_seq'(::regclass)?\)$/);
    }),

  'column-info': () =>
    withKnex(async (knex) => {
      await createLibrary(knex, 'kx_info');
      const info = await knex('kx_info_authors').columnInfo();
      assert.deepEqual(Object.keys(info).sort(), ['born', 'created_at', 'id', 'meta', 'name', 'updated_at']);
      assert.equal(info.born.type, 'integer');
      assert.equal(info.born.nullable, true);
      assert.equal(info.meta.type, 'jsonb');
      assert.equal(info.created_at.type, 'timestamp with time zone');
      assert.equal(info.created_at.nullable, false);
      assert.deepEqual(
        { type: info.name.type, maxLength: info.name.maxLength, nullable: info.name.nullable },
        { type: 'character varying', maxLength: 255, nullable: false },
      );
      const title = await knex('kx_info_books').columnInfo('title');
      assert.equal(title.maxLength, 100);
    }),

  migrations: () =>
    withKnex(async (knex) => {
      fs.writeFileSync(
        path.join(migrationsDir, '20240101000000_create_notes.js'),
        `exports.up = (knex) => knex.schema.createTable('kx_notes', (t) => {
           t.increments('id'); t.text('body').notNullable(); t.timestamps(true, true);
         });
         exports.down = (knex) => knex.schema.dropTable('kx_notes');\n`,
      );
      fs.writeFileSync(
        path.join(migrationsDir, '20240102000000_add_tag.js'),
        `exports.up = (knex) => knex.schema.alterTable('kx_notes', (t) => {
           t.string('tag').defaultTo('none'); t.index('tag');
         });
         exports.down = (knex) => knex.schema.alterTable('kx_notes', (t) => { t.dropIndex('tag'); t.dropColumn('tag'); });\n`,
      );
      const config = { directory: migrationsDir, tableName: 'kx_migrations' };
      for (const table of ['kx_notes', 'kx_migrations', 'kx_migrations_lock']) {
        await knex.schema.dropTableIfExists(table);
      }
      const [batch, done] = await knex.migrate.latest(config);
      assert.equal(batch, 1);
      assert.deepEqual(done, ['20240101000000_create_notes.js', '20240102000000_add_tag.js']);
      await knex('kx_notes').insert({ body: 'hello' });
      const [note] = await knex('kx_notes').select('id', 'body', 'tag');
      assert.deepEqual(note, { id: 1, body: 'hello', tag: 'none' });
      assert.equal(await knex.migrate.currentVersion(config), '20240102000000');
      const [, listed] = await knex.migrate.list(config);
      assert.deepEqual(listed, []); // nothing pending
      const [, undone] = await knex.migrate.rollback(config, true);
      assert.deepEqual(undone, ['20240102000000_add_tag.js', '20240101000000_create_notes.js']);
      assert.equal(await knex.schema.hasTable('kx_notes'), false);
      assert.equal(await knex.schema.hasTable('kx_migrations'), true);
      const [again] = await knex.migrate.latest(config);
      assert.equal(again, 1);
      assert.equal(await knex.schema.hasColumn('kx_notes', 'tag'), true);
    }),
};

runChecks(checks, only);
