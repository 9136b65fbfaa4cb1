package dev.relaygate.server.store;

import java.time.Clock;
import java.time.Duration;

/**
 * The inboxes there are, for the gateway to open one ({@code relaygate.inbox.type}); their classes stay package-private.
 */
public final class Inboxes {
    private Inboxes() {
    }

    /**
     * {@code memory}: in the process, lost with it (tests, benchmarks).
     */
    public static Inbox memory(int capacity, long maxBytes, Duration dedupWindow, Clock clock) {
        return new MemoryInbox(capacity, maxBytes, dedupWindow, clock);
    }

    /**
     * {@code durable}: SQLite in the data dir.
     *
     * @throws dev.relaygate.server.StartupException when {@code inbox.db} cannot be opened or read
     */
    public static Inbox sqlite(DataDir dataDir, int capacity, long maxBytes, Duration dedupWindow, Duration commitDelay,
                               Clock clock) {
        return SqliteInbox.open(dataDir, capacity, maxBytes, dedupWindow, commitDelay, clock);
    }

    /**
     * {@code postgres}: several replicas on one PostgreSQL.
     */
    public static Inbox postgres(Postgres db, int capacity, long maxBytes, Duration dedupWindow, Clock clock) {
        return PostgresInbox.open(db, capacity, maxBytes, dedupWindow, clock);
    }
}
