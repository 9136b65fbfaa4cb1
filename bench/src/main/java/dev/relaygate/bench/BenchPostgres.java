package dev.relaygate.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
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
        this.server = EmbeddedPostgres.builder().setDataDirectory(dataDir).setCleanDataDirectory(true).start();
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
