// pgjdbc against a pgwire server: `java -cp postgresql.jar:DIR JdbcCheck JDBC_URL`.
//
// Each check runs on its own; every one prints "ok <name>" or "FAIL <name>: <why>" (with the
// stack trace on stderr), and the program exits 1 if any failed. The last line is
// "passed N/M checks". tests/interop/test_jdbc.py compiles and runs it.

import java.math.BigDecimal;
import java.sql.Array;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.Date;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Time;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.UUID;

public final class JdbcCheck {
    interface Check {
        void run() throws Exception;
    }

    private static String url;
    private static int passed;
    private static final List<String> failed = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: JdbcCheck JDBC_URL");
            System.exit(2);
        }
        url = args[0];
        Class.forName("org.postgresql.Driver");

        check("connect", JdbcCheck::connectAndMetadata);
        check("prepared-reuse", () -> preparedReuse(connect()));
        check("prepared-reuse-binary", () -> preparedReuse(connect("prepareThreshold", "-1")));
        check("batch-insert", JdbcCheck::batchInsert);
        check("types-extended", () -> types(connect(), "extended"));
        check("types-binary", () -> types(connect("prepareThreshold", "-1"), "binary"));
        check("types-simple", () -> types(connect("preferQueryMode", "simple"), "simple"));
        check("types-prepared-params", JdbcCheck::typedParameters);
        check("fetch-size", JdbcCheck::fetchSize);
        check("sql-error", JdbcCheck::sqlError);
        check("transactions", JdbcCheck::transactions);

        int total = passed + failed.size();
        System.out.println("passed " + passed + "/" + total + " checks");
        if (!failed.isEmpty()) {
            System.out.println("failed: " + String.join(", ", failed));
            System.exit(1);
        }
    }

    // ---------------------------------------------------------------------------- plumbing

    private static void check(String name, Check body) {
        try {
            body.run();
            passed++;
            System.out.println("ok " + name);
        } catch (Throwable t) {
            failed.add(name);
            System.out.println("FAIL " + name + ": " + t);
            System.err.println("---- " + name);
            t.printStackTrace();
        }
        System.out.flush();
    }

    private static Connection connect(String... props) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "tester");
        p.setProperty("connectTimeout", "10");
        p.setProperty("socketTimeout", "60");
        p.setProperty("sslmode", "disable");
        for (int i = 0; i < props.length; i += 2) {
            p.setProperty(props[i], props[i + 1]);
        }
        return DriverManager.getConnection(url, p);
    }

    private static void eq(String what, Object expected, Object actual) {
        if (!Objects.equals(expected, actual)) {
            throw new AssertionError(what + ": expected <" + expected + "> but got <" + actual + ">");
        }
    }

    private static void truth(String what, boolean condition) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            truth("a row from " + sql, rs.next());
            return rs.getLong(1);
        }
    }

    // ---------------------------------------------------------------------------- checks

    private static void connectAndMetadata() throws Exception {
        try (Connection c = connect()) {
            truth("connection valid", c.isValid(5));
            var md = c.getMetaData();
            truth("database product is PostgreSQL", md.getDatabaseProductName().equals("PostgreSQL"));
            truth("server major version >= 9", md.getDatabaseMajorVersion() >= 9);
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select 1 + 1")) {
                truth("one row", rs.next());
                eq("1 + 1", 2, rs.getInt(1));
                truth("only one row", !rs.next());
            }
        }
    }

    /** One PreparedStatement executed 10 times: past prepareThreshold it is a named statement. */
    private static void preparedReuse(Connection c) throws Exception {
        try (c; PreparedStatement ps = c.prepareStatement(
                "select ? + 1 as n, ? || '!' as s, cast(? as integer) * 2 as d")) {
            for (int i = 0; i < 10; i++) {
                ps.setInt(1, i * 7);
                ps.setString(2, "row-" + i + "-é");
                ps.setInt(3, -i);
                try (ResultSet rs = ps.executeQuery()) {
                    truth("a row on execution " + i, rs.next());
                    eq("n on execution " + i, i * 7 + 1, rs.getInt("n"));
                    eq("s on execution " + i, "row-" + i + "-é!", rs.getString("s"));
                    eq("d on execution " + i, -2 * i, rs.getInt("d"));
                    truth("one row on execution " + i, !rs.next());
                }
            }
            // Past the threshold pgjdbc uses a named server-side statement.
            var pgs = ps.unwrap(org.postgresql.PGStatement.class);
            truth("statement is server-prepared after 10 executions", pgs.isUseServerPrepare());
            // NULL parameters on the named statement.
            ps.setNull(1, java.sql.Types.INTEGER);
            ps.setNull(2, java.sql.Types.VARCHAR);
            ps.setInt(3, 5);
            try (ResultSet rs = ps.executeQuery()) {
                truth("a row with NULL parameters", rs.next());
                rs.getInt("n");
                truth("NULL + 1 is NULL", rs.wasNull());
                eq("NULL || '!'", null, rs.getString("s"));
                eq("d with 5", 10, rs.getInt("d"));
            }
        }
    }

    private static void batchInsert() throws Exception {
        try (Connection c = connect()) {
            exec(c, "drop table if exists jdbc_batch");
            exec(c, "create table jdbc_batch (id integer primary key, name varchar, amount double)");
            int[] counts;
            try (PreparedStatement ps =
                    c.prepareStatement("insert into jdbc_batch (id, name, amount) values (?, ?, ?)")) {
                for (int i = 1; i <= 1000; i++) {
                    ps.setInt(1, i);
                    ps.setString(2, "name " + i);
                    ps.setDouble(3, i / 4.0);
                    ps.addBatch();
                }
                counts = ps.executeBatch();
            }
            eq("batch result count", 1000, counts.length);
            for (int i = 0; i < counts.length; i++) {
                eq("update count of batch item " + i, 1, counts[i]);
            }
            eq("rows inserted", 1000L, count(c, "select count(*) from jdbc_batch"));
            eq("sum of ids", 500500L, count(c, "select sum(id) from jdbc_batch"));
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("select name, amount from jdbc_batch where id = 998")) {
                truth("row 998", rs.next());
                eq("name of 998", "name 998", rs.getString(1));
                eq("amount of 998", 249.5, rs.getDouble(2));
            }
            // A Statement batch of plain SQL too.
            try (Statement st = c.createStatement()) {
                st.addBatch("update jdbc_batch set amount = 0 where id <= 10");
                st.addBatch("delete from jdbc_batch where id > 990");
                st.addBatch("insert into jdbc_batch values (2000, 'x', 1)");
                eq("statement batch counts", "[10, 10, 1]", Arrays.toString(st.executeBatch()));
            }
            eq("rows after statement batch", 991L, count(c, "select count(*) from jdbc_batch"));
            // A failing batch item: BatchUpdateException with the SQLSTATE (duplicate key).
            try (PreparedStatement ps = c.prepareStatement("insert into jdbc_batch (id) values (?)")) {
                ps.setInt(1, 5000);
                ps.addBatch();
                ps.setInt(1, 1);
                ps.addBatch();
                ps.executeBatch();
                throw new AssertionError("a duplicate key in a batch did not fail");
            } catch (BatchUpdateException e) {
                SQLException cause = e.getNextException() != null ? e.getNextException() : e;
                eq("SQLState of a duplicate key", "23505", cause.getSQLState());
            }
            eq("connection usable after batch failure", 1L, count(c, "select 1"));
            exec(c, "drop table jdbc_batch");
        }
    }

    private static final String TYPES_SQL = "select "
            + "cast(42 as integer) as i4, "
            + "cast(9000000000 as bigint) as i8, "
            + "cast(-12 as smallint) as i2, "
            + "cast(3.25 as double) as f8, "
            + "cast(1.5 as real) as f4, "
            + "cast(12345.678 as decimal(10,3)) as num, "
            + "'héllo wörld' as txt, "
            + "true as yes, false as no, "
            + "date '2024-02-29' as d, "
            + "time '13:45:56' as t, "
            + "timestamp '2024-02-29 13:45:56.123456' as ts, "
            + "cast('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' as uuid) as u, "
            + "cast('\\xDE\\xAD\\xBE\\xEF' as blob) as b, "
            + "cast([1, 2, 3] as integer[]) as arr, "
            + "cast(null as integer) as nothing";

    /** Every common type through the ResultSet getters, in the given connection's mode. */
    private static void types(Connection c, String mode) throws Exception {
        try (c) {
            // Binary results only come with server-prepared statements: run it a few times.
            int runs = mode.equals("simple") ? 1 : 6;
            for (int run = 0; run < runs; run++) {
                try (PreparedStatement ps = c.prepareStatement(TYPES_SQL); ResultSet rs = ps.executeQuery()) {
                    truth("a row", rs.next());
                    checkTypes(rs, mode + " run " + run);
                    truth("one row", !rs.next());
                }
            }
        }
    }

    private static void checkTypes(ResultSet rs, String where) throws Exception {
        eq(where + " getInt", 42, rs.getInt("i4"));
        eq(where + " getLong", 9000000000L, rs.getLong("i8"));
        eq(where + " getShort", (short) -12, rs.getShort("i2"));
        eq(where + " getDouble", 3.25, rs.getDouble("f8"));
        eq(where + " getFloat", 1.5f, rs.getFloat("f4"));
        eq(where + " getBigDecimal", new BigDecimal("12345.678"), rs.getBigDecimal("num"));
        eq(where + " getString", "héllo wörld", rs.getString("txt"));
        eq(where + " getBoolean true", true, rs.getBoolean("yes"));
        eq(where + " getBoolean false", false, rs.getBoolean("no"));
        eq(where + " getDate", Date.valueOf("2024-02-29"), rs.getDate("d"));
        eq(where + " getTime", Time.valueOf("13:45:56"), rs.getTime("t"));
        eq(where + " getTimestamp", Timestamp.valueOf("2024-02-29 13:45:56.123456"), rs.getTimestamp("ts"));
        eq(where + " getObject(LocalDate)", java.time.LocalDate.of(2024, 2, 29),
                rs.getObject("d", java.time.LocalDate.class));
        eq(where + " getObject(LocalDateTime)", java.time.LocalDateTime.of(2024, 2, 29, 13, 45, 56, 123456000),
                rs.getObject("ts", java.time.LocalDateTime.class));
        eq(where + " getObject uuid", UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), rs.getObject("u"));
        eq(where + " getBytes", "[-34, -83, -66, -17]", Arrays.toString(rs.getBytes("b")));
        Array arr = rs.getArray("arr");
        truth(where + " getArray not null", arr != null);
        eq(where + " array base type", "int4", arr.getBaseTypeName());
        Object elements = arr.getArray();
        truth(where + " int[] as Integer[]: " + elements.getClass(), elements instanceof Integer[]);
        eq(where + " getArray", "[1, 2, 3]", Arrays.toString((Integer[]) elements));
        try (ResultSet ars = arr.getResultSet()) {
            int n = 0;
            while (ars.next()) {
                n++;
                eq(where + " array result set element " + n, n, ars.getInt(2));
            }
            eq(where + " array result set rows", 3, n);
        }
        eq(where + " getObject null", null, rs.getObject("nothing"));
        rs.getInt("nothing");
        truth(where + " wasNull", rs.wasNull());
        // getObject's default classes.
        eq(where + " getObject int4", 42, rs.getObject("i4"));
        eq(where + " getObject int8", 9000000000L, rs.getObject("i8"));
        eq(where + " getObject bool", Boolean.TRUE, rs.getObject("yes"));
        eq(where + " getObject text", "héllo wörld", rs.getObject("txt"));
    }

    /** Parameters of every common type, bound with the typed setters and read back. */
    private static void typedParameters() throws Exception {
        try (Connection c = connect()) {
            exec(c, "drop table if exists jdbc_types");
            exec(c, "create table jdbc_types (i4 integer, i8 bigint, i2 smallint, f8 double, "
                    + "f4 real, num decimal(10,3), txt varchar, yes boolean, d date, t time, "
                    + "ts timestamp, u uuid, b blob)");
            String insert = "insert into jdbc_types values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
            UUID uuid = UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
            try (PreparedStatement ps = c.prepareStatement(insert)) {
                for (int i = 0; i < 7; i++) { // past the threshold: binary parameters too
                    ps.setInt(1, 42 + i);
                    ps.setLong(2, 9000000000L);
                    ps.setShort(3, (short) -12);
                    ps.setDouble(4, 3.25);
                    ps.setFloat(5, 1.5f);
                    ps.setBigDecimal(6, new BigDecimal("12345.678"));
                    ps.setString(7, "héllo 'quoted'");
                    ps.setBoolean(8, true);
                    // Not setDate: pgjdbc sends it untyped as "2024-02-29 +00", which
                    // PostgreSQL's date input takes and DuckDB's does not (see the report).
                    ps.setObject(9, java.time.LocalDate.of(2024, 2, 29));
                    ps.setTime(10, Time.valueOf("13:45:56"));
                    ps.setTimestamp(11, Timestamp.valueOf("2024-02-29 13:45:56.123456"));
                    ps.setObject(12, uuid);
                    ps.setBytes(13, new byte[] {(byte) 0xde, (byte) 0xad, 0, (byte) 0xef});
                    eq("insert count " + i, 1, ps.executeUpdate());
                }
            }
            try (PreparedStatement ps = c.prepareStatement("select * from jdbc_types where i4 = ?")) {
                for (int i = 0; i < 7; i++) {
                    ps.setInt(1, 42 + i);
                    try (ResultSet rs = ps.executeQuery()) {
                        truth("row " + i, rs.next());
                        String where = "row " + i;
                        eq(where + " i4", 42 + i, rs.getInt("i4"));
                        eq(where + " i8", 9000000000L, rs.getLong("i8"));
                        eq(where + " i2", (short) -12, rs.getShort("i2"));
                        eq(where + " f8", 3.25, rs.getDouble("f8"));
                        eq(where + " f4", 1.5f, rs.getFloat("f4"));
                        eq(where + " num", new BigDecimal("12345.678"), rs.getBigDecimal("num"));
                        eq(where + " txt", "héllo 'quoted'", rs.getString("txt"));
                        eq(where + " yes", true, rs.getBoolean("yes"));
                        eq(where + " d", Date.valueOf("2024-02-29"), rs.getDate("d"));
                        eq(where + " t", Time.valueOf("13:45:56"), rs.getTime("t"));
                        eq(where + " ts", Timestamp.valueOf("2024-02-29 13:45:56.123456"), rs.getTimestamp("ts"));
                        eq(where + " u", uuid, rs.getObject("u"));
                        eq(where + " b", "[-34, -83, 0, -17]", Arrays.toString(rs.getBytes("b")));
                        truth(where + " only one", !rs.next());
                    }
                }
            }
            // An int[] parameter.
            try (PreparedStatement ps = c.prepareStatement("select cast(? as integer[]) as a")) {
                ps.setArray(1, c.createArrayOf("int4", new Integer[] {4, 5, 6}));
                try (ResultSet rs = ps.executeQuery()) {
                    truth("array row", rs.next());
                    eq("array parameter", "[4, 5, 6]", Arrays.toString((Integer[]) rs.getArray(1).getArray()));
                }
            }
            exec(c, "drop table jdbc_types");
        }
    }

    /** setFetchSize with autocommit off: Execute with a row limit, PortalSuspended, resumed. */
    private static void fetchSize() throws Exception {
        try (Connection c = connect()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(
                    "select g as n, 'row ' || g as s from generate_series(1, 1050) as t(g) order by g")) {
                ps.setFetchSize(100);
                try (ResultSet rs = ps.executeQuery()) {
                    long expected = 0;
                    while (rs.next()) {
                        expected++;
                        eq("n at row " + expected, expected, rs.getLong("n"));
                        eq("s at row " + expected, "row " + expected, rs.getString("s"));
                        eq("fetch size", 100, rs.getFetchSize());
                        if (expected == 150) {
                            // Another statement while the portal is suspended.
                            eq("a query between fetches", 7L, count(c, "select 7"));
                        }
                    }
                    eq("rows fetched in batches of 100", 1050L, expected);
                }
            }
            // Twice on the same connection, and with a result that ends exactly on a batch.
            try (Statement st = c.createStatement()) {
                st.setFetchSize(100);
                try (ResultSet rs = st.executeQuery("select g from generate_series(1, 300) as t(g)")) {
                    long n = 0;
                    while (rs.next()) {
                        n++;
                    }
                    eq("rows of an exact multiple of the fetch size", 300L, n);
                }
            }
            c.commit();
        }
    }

    private static void sqlError() throws Exception {
        try (Connection c = connect()) {
            try (Statement st = c.createStatement()) {
                st.executeQuery("select * from no_such_table");
                throw new AssertionError("a missing table did not fail");
            } catch (SQLException e) {
                eq("SQLState of a missing table", "42P01", e.getSQLState());
                truth("message names the table: " + e.getMessage(), e.getMessage().contains("no_such_table"));
            }
            eq("connection usable after an error", 1L, count(c, "select 1"));
            try (PreparedStatement ps = c.prepareStatement("select 1 / ?")) {
                ps.setInt(1, 1);
                ps.executeQuery().close();
                try (Statement st = c.createStatement()) {
                    st.executeQuery("selec 1");
                    throw new AssertionError("a syntax error did not fail");
                } catch (SQLException e) {
                    eq("SQLState of a syntax error", "42601", e.getSQLState());
                }
            }
            // In a transaction: the block fails (25P02) until rollback.
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.executeQuery("select * from no_such_table");
                throw new AssertionError("a missing table did not fail");
            } catch (SQLException e) {
                eq("SQLState in a transaction", "42P01", e.getSQLState());
            }
            try (Statement st = c.createStatement()) {
                st.executeQuery("select 1");
                throw new AssertionError("a failed transaction accepted a query");
            } catch (SQLException e) {
                eq("SQLState in a failed transaction", "25P02", e.getSQLState());
            }
            c.rollback();
            eq("connection usable after rollback", 1L, count(c, "select 1"));
            c.commit();
        }
    }

    private static void transactions() throws Exception {
        try (Connection c = connect(); Connection other = connect()) {
            exec(c, "drop table if exists jdbc_tx");
            exec(c, "create table jdbc_tx (id integer, note varchar)");
            c.setAutoCommit(false);
            exec(c, "insert into jdbc_tx values (1, 'rolled back')");
            eq("own uncommitted row", 1L, count(c, "select count(*) from jdbc_tx"));
            eq("not visible to another connection", 0L, count(other, "select count(*) from jdbc_tx"));
            c.rollback();
            eq("rows after rollback", 0L, count(c, "select count(*) from jdbc_tx"));
            try (PreparedStatement ps = c.prepareStatement("insert into jdbc_tx values (?, ?)")) {
                ps.setInt(1, 2);
                ps.setString(2, "committed");
                eq("insert count", 1, ps.executeUpdate());
            }
            c.commit();
            eq("committed row seen by another connection", 1L, count(other, "select count(*) from jdbc_tx"));
            // Several statements undone by one rollback.
            exec(c, "insert into jdbc_tx values (3, 'also rolled back')");
            exec(c, "update jdbc_tx set note = 'changed' where id = 2");
            c.rollback();
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("select id, note from jdbc_tx order by id")) {
                truth("a row", rs.next());
                eq("id", 2, rs.getInt(1));
                eq("note after rollback", "committed", rs.getString(2));
                truth("one row", !rs.next());
            }
            c.commit();
            c.setAutoCommit(true);
            exec(c, "drop table jdbc_tx");
        }
    }
}
