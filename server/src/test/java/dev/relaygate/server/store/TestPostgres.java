package dev.relaygate.server.store;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL for the tests: started once per test JVM from the binaries on the test class path, stopped when
 * the JVM exits. Each caller gets a database of its own.
 */
public final class TestPostgres {
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static EmbeddedPostgres server;

    private TestPostgres() {
    }

    /**
     * A fresh, empty database; its JDBC URL.
     */
    public static synchronized String freshDatabase() {
        try {
            if (server == null) {
                server = EmbeddedPostgres.builder().start();
                EmbeddedPostgres started = server;
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        started.close();
                    } catch (IOException e) {
                        // the JVM is going away
                    }
                }));
            }
            String name = "relaygate_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
            try (Connection connection = server.getPostgresDatabase().getConnection();
                 Statement statement = connection.createStatement()) {
                statement.execute("CREATE DATABASE " + name);
            }
            return server.getJdbcUrl("postgres", name);
        } catch (IOException | SQLException e) {
            throw new IllegalStateException("cannot start the embedded PostgreSQL (as root it needs 'unshare -U'): "
                                                    + e.getMessage(), e);
        }
    }

    public static String user() {
        return "postgres";
    }

    /**
     * Settings for a database of {@link #freshDatabase}.
     */
    static PostgresSettings settings(String url, String instance, java.time.Duration leaseTimeout) {
        return new PostgresSettings(url, java.util.Optional.of(user()), java.util.Optional.empty(), 4,
                                    leaseTimeout, instance, instance + "/" + DATABASES.get());
    }
}
