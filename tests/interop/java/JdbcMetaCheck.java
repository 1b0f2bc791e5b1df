// pgjdbc's DatabaseMetaData against a pgwire server (or PostgreSQL):
// `java -cp postgresql.jar:DIR JdbcMetaCheck JDBC_URL SCHEMA [setup]`.
//
// With "setup" it first creates meta_items and meta_orders. Then each metadata call runs on
// its own and prints its rows ("row <call>: COL=value|COL=value...") followed by
// "ok <call>" or "FAIL <call>: <why>" (stack trace on stderr); the program exits 1 if any
// call failed. tests/interop/test_tools_connect.py compiles and runs it, and checks the rows.

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

public final class JdbcMetaCheck {
    interface Call {
        ResultSet run(DatabaseMetaData md) throws Exception;
    }

    private static final List<String> failed = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: JdbcMetaCheck JDBC_URL SCHEMA [setup]");
            System.exit(2);
        }
        Class.forName("org.postgresql.Driver");
        Properties p = new Properties();
        p.setProperty("user", "tester");
        p.setProperty("connectTimeout", "10");
        p.setProperty("socketTimeout", "60");
        p.setProperty("sslmode", "disable");
        String schema = args[1];
        try (Connection c = DriverManager.getConnection(args[0], p)) {
            if (args.length > 2 && args[2].equals("setup")) {
                try (Statement st = c.createStatement()) {
                    st.execute("create table meta_items (id integer primary key, "
                            + "name varchar(40) not null, price decimal(10, 2) default 0)");
                    st.execute("create table meta_orders (id bigint primary key, "
                            + "item integer references meta_items (id), qty integer)");
                }
            }
            DatabaseMetaData md = c.getMetaData();
            System.out.println("product " + md.getDatabaseProductName() + " "
                    + md.getDatabaseProductVersion());
            call(md, "getCatalogs", m -> m.getCatalogs());
            call(md, "getSchemas", m -> m.getSchemas());
            call(md, "getTableTypes", m -> m.getTableTypes());
            call(md, "getTables", m -> m.getTables(null, schema, "meta_%", new String[] {"TABLE"}));
            call(md, "getTablesAll", m -> m.getTables(null, null, "%", null));
            call(md, "getColumns", m -> m.getColumns(null, schema, "meta_items", null));
            call(md, "getPrimaryKeys", m -> m.getPrimaryKeys(null, schema, "meta_items"));
            call(md, "getIndexInfo", m -> m.getIndexInfo(null, schema, "meta_items", false, true));
            call(md, "getImportedKeys", m -> m.getImportedKeys(null, schema, "meta_orders"));
            call(md, "getExportedKeys", m -> m.getExportedKeys(null, schema, "meta_items"));
            call(md, "getFunctions", m -> m.getFunctions(null, schema, "%"));
            call(md, "getTypeInfo", m -> m.getTypeInfo());
        }
        if (!failed.isEmpty()) {
            System.out.println("failed: " + String.join(", ", failed));
            System.exit(1);
        }
    }

    private static void call(DatabaseMetaData md, String name, Call body) {
        try (ResultSet rs = body.run(md)) {
            ResultSetMetaData meta = rs.getMetaData();
            while (rs.next()) {
                StringBuilder line = new StringBuilder("row " + name + ": ");
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    if (i > 1) {
                        line.append('|');
                    }
                    line.append(meta.getColumnLabel(i).toUpperCase()).append('=')
                            .append(rs.getString(i));
                }
                System.out.println(line);
            }
            System.out.println("ok " + name);
        } catch (Throwable t) {
            failed.add(name);
            System.out.println("FAIL " + name + ": " + t);
            System.err.println("---- " + name);
            t.printStackTrace();
        }
        System.out.flush();
    }
}
