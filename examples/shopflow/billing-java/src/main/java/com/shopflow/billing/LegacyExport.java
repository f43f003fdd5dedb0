package com.shopflow.billing;

import java.io.FileWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/** Nightly CSV export for the accounting package, run from cron outside Spring. */
public final class LegacyExport {

    private LegacyExport() {
    }

    public static void main(String[] args) throws IOException, SQLException {
        String url = System.getenv("BILLING_DB_URL");
        List<String> customers = Files.readAllLines(Path.of("config/export-customers.txt"));
        try (Connection conn = DriverManager.getConnection(url);
             PrintWriter out = new PrintWriter(new FileWriter("out/invoices.csv"))) {
            out.println("invoice_id,order_id,customer_id,amount,currency");
            PreparedStatement stmt = conn.prepareStatement(
                    "SELECT id, order_id, customer_id, amount, currency FROM invoices "
                            + "WHERE customer_id = ? AND issued_at >= current_date - 1");
            for (String customer : customers) {
                stmt.setString(1, customer.strip());
                try (ResultSet rs = stmt.executeQuery()) {
                    while (rs.next()) {
                        out.printf("%d,%s,%s,%s,%s%n", rs.getLong(1), rs.getString(2),
                                rs.getString(3), rs.getBigDecimal(4), rs.getString(5));
                    }
                }
            }
        }
    }
}
