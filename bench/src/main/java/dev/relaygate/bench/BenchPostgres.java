package dev.relaygate.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The PostgreSQL of targets (f) and (g): started once from the binaries on the class path, a fresh database per
 * target, and the CPU time of all its processes (the postmaster, its backends, and those that have ended).
 */
final class BenchPostgres implements AutoCloseable {
    private static final long CLOCK_TICKS = 100;
    private final EmbeddedPostgres server;
    private final Path dataDir;
    private final AtomicInteger databases = new AtomicInteger();

    BenchPostgres(Path work) throws IOException {
        this.dataDir = work.resolve("postgres");
        // pg_stat_statements: which statements the database spends its time on, per request.
        this.server = EmbeddedPostgres.builder().setDataDirectory(dataDir).setCleanDataDirectory(true)
                .setServerConfig("shared_preload_libraries", "pg_stat_statements").start();
        try (Connection connection = server.getPostgresDatabase().getConnection();
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        } catch (SQLException e) {
            throw new IOException("pg_stat_statements: " + e.getMessage(), e);
        }
    }

    /** Forgets the statements so far: what {@link #statements} reports starts here. Also the commit count. */
    long reset() throws SQLException {
        try (Connection connection = server.getPostgresDatabase().getConnection();
             Statement statement = connection.createStatement()) {
            statement.execute("SELECT pg_stat_statements_reset()");
            try (ResultSet rows = statement.executeQuery("SELECT sum(xact_commit) FROM pg_stat_database")) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    /** Transactions committed in all databases so far. */
    long commits() throws SQLException {
        try (Connection connection = server.getPostgresDatabase().getConnection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT sum(xact_commit) FROM pg_stat_database")) {
            rows.next();
            return rows.getLong(1);
        }
    }

    /**
     * The statements that took the most execution time since {@link #reset}, as Markdown table rows: calls and time per
     * request answered 200, time per call, share of all statement time.
     */
    List<String> statements(long requests) throws SQLException {
        List<String> lines = new ArrayList<>();
        try (Connection connection = server.getPostgresDatabase().getConnection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT calls, total_exec_time, total_exec_time * 100 / "
                     + "sum(total_exec_time) OVER (), regexp_replace(query, '\\s+', ' ', 'g') FROM pg_stat_statements "
                     + "WHERE query NOT LIKE '%pg_stat%' ORDER BY total_exec_time DESC LIMIT 12")) {
            while (rows.next()) {
                String query = rows.getString(4).replace("|", "\\|");
                lines.add(String.format(Locale.ROOT, "| `%s` | %.2f | %.0f | %.0f | %.0f%% |",
                                        query.length() > 110 ? query.substring(0, 110) + "…" : query,
                                        rows.getLong(1) / (double) requests, rows.getDouble(2) * 1000 / requests,
                                        rows.getDouble(2) * 1000 / Math.max(1, rows.getLong(1)), rows.getDouble(3)));
            }
        }
        return lines;
    }

    String freshDatabase() throws SQLException {
        String name = "bench_" + databases.incrementAndGet();
        try (Connection connection = server.getPostgresDatabase().getConnection();
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        }
        return server.getJdbcUrl("postgres", name);
    }

    /** User and system time of the postmaster, its live descendants, and its ended children, in nanoseconds. */
    long cpuNanos() throws IOException {
        long postmaster = Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).getFirst().trim());
        long ticks = ticks(postmaster, true);
        try (Stream<ProcessHandle> descendants = ProcessHandle.of(postmaster).orElseThrow().descendants()) {
            for (ProcessHandle process : descendants.toList()) {
                ticks += ticks(process.pid(), false);
            }
        }
        return ticks * (1_000_000_000L / CLOCK_TICKS);
    }

    private static long ticks(long pid, boolean withEndedChildren) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // utime 14, stime 15, cutime 16, cstime 17 (fields counted from 1, the state being field 3).
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
            return withEndedChildren ? ticks + Long.parseLong(fields[13]) + Long.parseLong(fields[14]) : ticks;
        } catch (IOException gone) {
            return 0; // a backend that ended meanwhile: its time is in the postmaster's cutime
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
