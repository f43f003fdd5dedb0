package io.shopline.ingest;

import java.sql.Connection;
import java.sql.Date;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

public class OrderStore {

    private static final String UPSERT =
            "INSERT INTO orders (id, customer_id, day, total, currency) VALUES (?, ?, ?, ?, ?) "
            + "ON CONFLICT (id) DO UPDATE SET total = EXCLUDED.total, currency = EXCLUDED.currency";

    private final String url, user, password;

    public OrderStore(String url, String user, String password) {
        this.url = url;
        this.user = user;
        this.password = password;
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(url, user, password);
    }

    public void ensureSchema() throws SQLException {
        try (Connection conn = connect(); Statement statement = conn.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS orders (id text PRIMARY KEY, customer_id bigint, "
                    + "day date, total numeric(12,2), currency char(3), exported boolean DEFAULT false)");
        }
    }

    public void upsert(List<Order> orders) throws SQLException {
        try (Connection conn = connect()) {
            conn.setAutoCommit(false);
            try (PreparedStatement ps = conn.prepareStatement(UPSERT)) {
                for (Order order : orders) {
                    bind(ps, order);
                    ps.addBatch();
                }
                ps.executeBatch();
                conn.commit();
            } catch (SQLException e) {
                conn.rollback();
                throw e;
            }
        }
    }

    private static void bind(PreparedStatement ps, Order order) throws SQLException {
        ps.setString(1, order.id());
        ps.setLong(2, order.customerId());
        ps.setDate(3, Date.valueOf(order.day()));
        ps.setBigDecimal(4, order.total());
        ps.setString(5, order.currency());
    }

    public List<DailyTotal> dailyTotals(LocalDate day) throws SQLException {
        String sql = "SELECT c.segment, o.currency, SUM(o.total) AS total, COUNT(*) AS orders "
                + "FROM orders o JOIN customers c ON c.id = o.customer_id "
                + "WHERE o.day = ? GROUP BY c.segment, o.currency";
        List<DailyTotal> totals = new ArrayList<>();
        try (Connection conn = connect(); PreparedStatement ps = conn.prepareStatement(sql)) {
            ps.setDate(1, Date.valueOf(day));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    totals.add(new DailyTotal(rs.getString("segment"), rs.getString("currency"),
                            rs.getBigDecimal("total"), rs.getInt("orders")));
                }
            }
        }
        return totals;
    }

    public int markExported(LocalDate day) throws SQLException {
        try (Connection conn = connect(); Statement stmt = conn.createStatement()) {
            return stmt.executeUpdate("UPDATE orders SET exported = true WHERE day = '" + day + "'");
        }
    }
}
