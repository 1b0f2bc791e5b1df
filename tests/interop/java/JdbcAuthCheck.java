// pgjdbc's authentication against a pgwire server: the right password connects (with and
// without TLS), a wrong one fails with SQLState 28P01.
//
//   java -cp postgresql.jar:DIR JdbcAuthCheck HOST PORT USER PASSWORD
//
// Prints one line per attempt: "ok NAME" or "state NAME SQLSTATE"; exits 0.

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;

public class JdbcAuthCheck {
    static void attempt(String name, String url, String user, String password) {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        try (Connection conn = DriverManager.getConnection(url, props)) {
            try (ResultSet rs = conn.createStatement().executeQuery("select 41 + 1")) {
                rs.next();
                System.out.println("ok " + name + " " + rs.getInt(1));
            }
        } catch (SQLException e) {
            System.out.println("state " + name + " " + e.getSQLState());
        }
    }

    public static void main(String[] args) {
        String base = "jdbc:postgresql://" + args[0] + ":" + args[1] + "/db";
        attempt("plain", base + "?sslmode=disable", args[2], args[3]);
        attempt("tls", base + "?sslmode=require", args[2], args[3]);
        attempt("wrong", base + "?sslmode=disable", args[2], args[3] + "-wrong");
    }
}
