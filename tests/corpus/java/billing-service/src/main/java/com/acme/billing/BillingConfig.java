package com.acme.billing;

import java.time.Duration;
import javax.sql.DataSource;

import org.springframework.boot.jdbc.DataSourceBuilder;
import org.springframework.boot.web.client.RestTemplateBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.web.client.RestTemplate;

@Configuration
public class BillingConfig {

    private static String required(String name) {
        String value = System.getenv(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("missing environment variable " + name);
        }
        return value;
    }

    @Bean
    public DataSource billingDataSource() {
        return DataSourceBuilder.create()
                .url(required("BILLING_DB_URL"))
                .username(System.getenv("BILLING_DB_USER"))
                .password(System.getenv("BILLING_DB_PASSWORD"))
                .build();
    }

    @Bean
    public NamedParameterJdbcTemplate reportingJdbc(DataSource billingDataSource) {
        return new NamedParameterJdbcTemplate(billingDataSource);
    }

    @Bean
    public RestTemplate taxRestTemplate(RestTemplateBuilder builder) {
        return builder
                .rootUri("https://tax.acme.internal/v2")
                .setConnectTimeout(Duration.ofSeconds(2))
                .setReadTimeout(Duration.ofSeconds(5))
                .build();
    }
}
