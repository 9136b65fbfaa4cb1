package dev.relaygate.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

import dev.relaygate.api.spi.StateStore;
import dev.relaygate.server.StartupException;

/**
 * The shared PostgreSQL of several replicas: a HikariCP pool, the schema brought up to date by Flyway at start (its
 * lock makes replicas that start at once migrate one after the other), and the plugins' state. The inbox is
 * {@link PostgresInbox}.
 */
public final class Postgres implements AutoCloseable {
    private static final char ESCAPE = '\u0001';

    private final HikariDataSource pool;
    private final PostgresSettings settings;

    private Postgres(HikariDataSource pool, PostgresSettings settings) {
        this.pool = pool;
        this.settings = settings;
    }

    /**
     * Connects and migrates the schema.
     *
     * @throws StartupException when the database cannot be reached or migrated
     */
    public static Postgres open(PostgresSettings settings) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(settings.url());
        settings.user().ifPresent(config::setUsername);
        settings.password().ifPresent(password -> config.setPassword(password.text()));
        config.setMaximumPoolSize(settings.poolSize());
        config.setPoolName("relaygate-postgres");
        // A webhook waits at most this long for a connection before it gets 503 (the sender retries).
        config.setConnectionTimeout(Duration.ofSeconds(3).toMillis());
        // The pool starts empty; the connection below fails the start within the connection timeout, with one line
        // (Hikari's own fail-fast would log its stack trace first).
        config.setInitializationFailTimeout(-1);
        config.addDataSourceProperty("ApplicationName", "relaygate " + settings.instanceName());
        config.addDataSourceProperty("tcpKeepAlive", "true");
        // A database that stops answering (a partition, no reset) must fail statements, not hang them: readiness goes
        // DOWN and webhooks get 503 instead of waiting for ever. Every statement here takes milliseconds.
        config.addDataSourceProperty("socketTimeout", "30");
        HikariDataSource pool = new HikariDataSource(config);
        try {
            // Hikari checks a connection before it hands it out: getting one is the check.
            pool.getConnection().close();
        } catch (SQLException e) {
            pool.close();
            // The driver's reason (refused, unknown host, authentication failed) is the cause; never the password.
            Throwable reason = e.getCause() != null ? e.getCause() : e;
            throw new StartupException("relaygate.postgres: cannot connect to " + settings.url() + ": "
                                               + reason.getMessage(), e);
        }
        try {
            Flyway.configure(Postgres.class.getClassLoader())
                    .dataSource(pool)
                    .locations("classpath:db/postgres")
                    .table("relaygate_schema_history")
                    .load()
                    .migrate();
        } catch (FlywayException e) {
            pool.close();
            throw new StartupException("relaygate.postgres: cannot migrate the schema: " + e.getMessage(), e);
        }
        return new Postgres(pool, settings);
    }

    PostgresSettings settings() {
        return settings;
    }

    Connection connection() throws SQLException {
        return pool.getConnection();
    }

    /**
     * The state of one owner (a channel name), in the {@code state} table.
     */
    public StateStore store(String owner) {
        return StateTable.store(owner, this::query);
    }

    private Optional<String> query(String sql, String... args) {
        try (Connection connection = pool.getConnection(); PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                statement.setString(i + 1, text(args[i]));
            }
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? Optional.of(untext(rows.getString(1))) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("state store: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        pool.close();
    }

    /**
     * A string as a PostgreSQL text value: PostgreSQL refuses NUL in text, and events may carry it (a JSON
     * {@code \u0000}), so NUL becomes {@code \u0001 0} and {@code \u0001} doubles. Exact both ways; a string without
     * either character (nearly every one) is kept as it is.
     */
    static String text(String value) {
        if (value == null || value.indexOf('\0') < 0 && value.indexOf(ESCAPE) < 0) {
            return value;
        }
        StringBuilder escaped = new StringBuilder(value.length() + 8);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\0') {
                escaped.append(ESCAPE).append('0');
            } else if (c == ESCAPE) {
                escaped.append(ESCAPE).append(ESCAPE);
            } else {
                escaped.append(c);
            }
        }
        return escaped.toString();
    }

    /**
     * The inverse of {@link #text}.
     */
    static String untext(String stored) {
        if (stored == null || stored.indexOf(ESCAPE) < 0) {
            return stored;
        }
        StringBuilder value = new StringBuilder(stored.length());
        for (int i = 0; i < stored.length(); i++) {
            char c = stored.charAt(i);
            if (c == ESCAPE && i + 1 < stored.length()) {
                i++;
                value.append(stored.charAt(i) == '0' ? '\0' : stored.charAt(i));
            } else {
                value.append(c);
            }
        }
        return value.toString();
    }
}
