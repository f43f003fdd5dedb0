package com.acme.billing;

import java.util.List;
import java.util.Map;

import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Repository;

@Repository
public class ReportingDao {

    private static final String REVENUE_BY_COUNTRY =
            "SELECT c.country, SUM(i.net_amount) AS net, SUM(i.tax_amount) AS tax "
            + "FROM invoices i JOIN customers c ON c.id = i.customer_id "
            + "WHERE to_char(i.issued_at, 'YYYY-MM') = :month AND i.status <> 'CANCELLED' "
            + "GROUP BY c.country ORDER BY net DESC";

    private static final String INSERT_SNAPSHOT =
            "INSERT INTO report_snapshots (taken_at, kind, value) VALUES (now(), :kind, :value)";

    private final NamedParameterJdbcTemplate reportingJdbc;

    public ReportingDao(NamedParameterJdbcTemplate reportingJdbc) {
        this.reportingJdbc = reportingJdbc;
    }

    public List<RevenueRow> revenueByCountry(String month) {
        return reportingJdbc.query(REVENUE_BY_COUNTRY, Map.of("month", month),
                (rs, n) -> new RevenueRow(rs.getString("country"), rs.getBigDecimal("net"), rs.getBigDecimal("tax")));
    }

    public void snapshotOverdue(int count) {
        MapSqlParameterSource params = new MapSqlParameterSource()
                .addValue("kind", "overdue_invoices")
                .addValue("value", count);
        reportingJdbc.update(INSERT_SNAPSHOT, params);
    }

    public int purgeSnapshots(int keepDays) {
        return reportingJdbc.update(
                "DELETE FROM report_snapshots WHERE taken_at < now() - make_interval(days => :days)",
                Map.of("days", keepDays));
    }
}
