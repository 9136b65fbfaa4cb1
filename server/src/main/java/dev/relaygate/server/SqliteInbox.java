package dev.relaygate.server;

import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import dev.relaygate.api.ApprovalDecision;
import dev.relaygate.api.ChannelEvent;

/**
 * The durable inbox: SQLite in {@code <data-dir>/inbox.db}, WAL, synchronous FULL. One writer thread owns the
 * connection and runs every operation. It takes all operations waiting at that moment into one transaction, so
 * concurrent webhooks share one commit and one fsync (group commit), and an offer returns after the commit that holds
 * it.
 *
 * <p>A row is {@code pending} (stored, no try running), {@code leased} (a try has started), {@code retry} (a try
 * failed; the next is due at {@code due_at}), {@code done} or {@code dead}. The running gateway holds the routing part
 * of every undelivered row in memory (an {@link Inbox.Entry}, in {@link #ready} or in a dispatcher lane), never its
 * body: {@link #event} reads that on a second connection when a try is about to start, and so do the dead letter
 * listings, so neither waits for the writer nor holds bodies in the heap. Leases last as long as the process: the
 * data-dir lock proves that rows an earlier run left behind belong to a process that is gone, so at open they are
 * taken over in arrival order, and a leased one counts its try as run (attempt + 1): attempt 1 is never a repeat.
 */
final class SqliteInbox implements Inbox {
    private static final System.Logger LOGGER = System.getLogger(SqliteInbox.class.getName());
    private static final int SCHEMA_VERSION = 1;
    private static final int MAX_BATCH = 1024;
    private static final Duration PRUNE_EVERY = Duration.ofMinutes(1);
    private static final Duration FAILED_COMMIT_PAUSE = Duration.ofMillis(100);
    private static final String COLUMNS = "id, channel, scope, event_id, type, provider, conversation, thread, sender_id, "
            + "sender_name, text, raw, received_at, approval_request, approval_decision, state, attempt, due_at, error, dead_at";
    // A dead letter as listings show it: no raw body, the text cut short (by SQLite, so the rest never leaves the file).
    private static final String PREVIEW_COLUMNS = COLUMNS.replace(" text, raw,", " substr(text, 1, " + TEXT_PREVIEW
            + ") AS text, '' AS raw,");
    // Inbox.size of a row, without reading its body into the heap.
    private static final String SIZE = "octet_length(raw) + octet_length(text) + octet_length(event_id) "
            + "+ octet_length(scope) + octet_length(conversation) + octet_length(sender_id) + octet_length(sender_name) "
            + "+ coalesce(octet_length(thread), 0) + 64";
    private static final String ENTRY_COLUMNS = "id, channel, scope, conversation, thread, received_at, attempt, due_at, "
            + "state, " + SIZE + " AS size";

    private final Connection connection;
    // Reads of bodies and dead letters, beside the writer (WAL lets them see every commit without waiting for it).
    private final Connection reader;
    private final ReentrantLock reading = new ReentrantLock();
    private final Backlog backlog;
    private final Duration dedupWindow;
    private final Clock clock;
    private final PreparedStatement seen;
    private final PreparedStatement insert;
    private final PreparedStatement update;
    // Operations for the writer; guarded by itself, so that nothing is queued after STOP.
    private final BlockingDeque<Op<?>> ops = new LinkedBlockingDeque<>();
    private final Op<Void> stop = new Op<>(tx -> null, false);
    private final Thread writer;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final ArrayDeque<Entry> ready = new ArrayDeque<>();
    private volatile boolean closed;
    private Instant nextPrune = Instant.MIN;

    private SqliteInbox(Connection connection, Connection reader, int capacity, long maxBytes, Duration dedupWindow,
                        Clock clock) throws SQLException {
        this.connection = connection;
        this.reader = reader;
        this.backlog = new Backlog(capacity, maxBytes);
        this.dedupWindow = dedupWindow;
        this.clock = clock;
        schema();
        this.seen = connection.prepareStatement("SELECT 1 FROM events WHERE channel = ? AND scope = ? AND event_id = ? "
                                                        + "AND event_id <> '' AND received_at >= ? LIMIT 1");
        this.insert = connection.prepareStatement("INSERT INTO events (" + COLUMNS + ") "
                                                          + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        this.update = connection.prepareStatement("UPDATE events SET state = ?, attempt = ?, due_at = ?, error = ?, "
                                                          + "dead_at = ? WHERE id = ?");
        recover();
        this.writer = Thread.ofPlatform().name("relaygate-inbox-writer").daemon().start(this::write);
    }

    static SqliteInbox open(DataDir dataDir, int capacity, long maxBytes, Duration dedupWindow, Clock clock) {
        Connection connection = dataDir.sqlite("inbox.db");
        Connection reader = null;
        try {
            connection.setAutoCommit(false);
            reader = dataDir.sqlite("inbox.db");
            return new SqliteInbox(connection, reader, capacity, maxBytes, dedupWindow, clock);
        } catch (SQLException | RuntimeException e) {
            // A broken file, or a row this build cannot read.
            for (Connection opened : reader == null ? List.of(connection) : List.of(connection, reader)) {
                try {
                    opened.close();
                } catch (SQLException closing) {
                    e.addSuppressed(closing);
                }
            }
            throw new StartupException("relaygate.data-dir: cannot open inbox.db: " + e.getMessage(), e);
        }
    }

    private void schema() throws SQLException {
        try (Statement statement = connection.createStatement()) {
            int version;
            try (ResultSet rows = statement.executeQuery("PRAGMA user_version")) {
                version = rows.getInt(1);
            }
            if (version == 0) {
                statement.execute("""
                        CREATE TABLE events (
                          seq INTEGER PRIMARY KEY AUTOINCREMENT,
                          id TEXT NOT NULL UNIQUE,
                          channel TEXT NOT NULL,
                          scope TEXT NOT NULL,
                          event_id TEXT NOT NULL,
                          type TEXT NOT NULL,
                          provider TEXT NOT NULL,
                          conversation TEXT NOT NULL,
                          thread TEXT,
                          sender_id TEXT NOT NULL,
                          sender_name TEXT NOT NULL,
                          text TEXT NOT NULL,
                          raw TEXT NOT NULL,
                          received_at INTEGER NOT NULL,
                          approval_request TEXT,
                          approval_decision TEXT,
                          state TEXT NOT NULL,
                          attempt INTEGER NOT NULL,
                          due_at INTEGER,
                          error TEXT,
                          dead_at INTEGER)""");
                statement.execute("CREATE INDEX events_dedup ON events (channel, scope, event_id) WHERE event_id <> ''");
                statement.execute("CREATE INDEX events_state ON events (state, received_at)");
                statement.execute("PRAGMA user_version = " + SCHEMA_VERSION);
            } else if (version != SCHEMA_VERSION) {
                throw new SQLException("inbox.db has schema version " + version + "; this build reads version "
                                               + SCHEMA_VERSION);
            }
        }
        connection.commit();
    }

    /**
     * Takes over what an earlier run left undelivered, in arrival order.
     */
    private void recover() throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.executeUpdate("UPDATE events SET state = 'pending', attempt = attempt + 1 WHERE state = 'leased'");
        }
        int retries = 0;
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT " + ENTRY_COLUMNS + " FROM events WHERE state IN ('pending', 'retry') ORDER BY seq");
             ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                Entry entry = entry(rows);
                retries += entry.due().isPresent() ? 1 : 0;
                ready.add(entry);
                backlog.add(entry);
            }
        }
        prune(clock.instant());
        connection.commit();
        if (!ready.isEmpty()) {
            LOGGER.log(Level.INFO, "Inbox: taking over " + ready.size() + " undelivered events from the last run ("
                    + retries + " waiting for a retry)");
        }
    }

    @Override
    public Offer offer(List<ChannelEvent> events) {
        return submit(tx -> store(tx, events)).orElse(Offer.CLOSED);
    }

    private Offer store(Tx tx, List<ChannelEvent> events) throws SQLException {
        long since = nanos(clock.instant().minus(dedupWindow));
        Set<List<String>> keys = new HashSet<>();
        List<ChannelEvent> fresh = new ArrayList<>();
        for (ChannelEvent event : events) {
            if (event.id().isEmpty() || keys.add(List.of(event.channel(), event.scope(), event.id())) && !seen(event, since)) {
                fresh.add(event);
            }
        }
        if (fresh.isEmpty()) {
            return Offer.DUPLICATE;
        }
        List<Entry> stored = fresh.stream().map(event -> Entry.first(Inbox.newDeliveryId(), event)).toList();
        if (!tx.fits(stored)) {
            return Offer.FULL;
        }
        for (int i = 0; i < stored.size(); i++) {
            bind(insert, stored.get(i), fresh.get(i));
            insert.executeUpdate();
        }
        tx.added(stored);
        return Offer.STORED;
    }

    private boolean seen(ChannelEvent event, long since) throws SQLException {
        seen.setString(1, event.channel());
        seen.setString(2, event.scope());
        seen.setString(3, event.id());
        seen.setLong(4, since);
        try (ResultSet rows = seen.executeQuery()) {
            return rows.next();
        }
    }

    @Override
    public Entry take() throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (ready.isEmpty()) {
                notEmpty.await();
            }
            return ready.poll();
        } finally {
            lock.unlock();
        }
    }

    private void makeReady(List<Entry> entries) {
        entries.forEach(backlog::add);
        lock.lock();
        try {
            ready.addAll(entries);
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public ChannelEvent event(Entry entry) {
        return read(select -> {
            select.setString(1, entry.id());
            try (ResultSet rows = select.executeQuery()) {
                if (!rows.next()) {
                    throw new SQLException("no row for delivery " + entry.id());
                }
                return event(rows);
            }
        }, "SELECT " + COLUMNS + " FROM events WHERE id = ?");
    }

    @Override
    public boolean lease(Entry entry) {
        return submit(tx -> {
            set(entry.id(), "leased", entry.attempt(), null, null, null);
            return true;
        }).orElse(false);
    }

    // done, retry and dead do not wait for their commit: if the gateway dies first, the entry is delivered again
    // with a higher attempt, which handlers must expect anyway.

    @Override
    public void done(Entry entry) {
        post(tx -> {
            set(entry.id(), "done", entry.attempt(), null, null, null);
            tx.afterCommit(() -> backlog.remove(entry.id()));
            return null;
        });
    }

    @Override
    public void retry(Entry entry, Instant at, String error) {
        post(tx -> {
            set(entry.id(), "retry", entry.attempt() + 1, nanos(at), error, null);
            return null;
        });
    }

    @Override
    public void dead(Entry entry, String error) {
        post(tx -> {
            set(entry.id(), "dead", entry.attempt(), null, error, nanos(clock.instant()));
            tx.afterCommit(() -> backlog.remove(entry.id()));
            return null;
        });
    }

    private void set(String id, String state, int attempt, Long dueAt, String error, Long deadAt) throws SQLException {
        update.setString(1, state);
        update.setInt(2, attempt);
        update.setObject(3, dueAt);
        update.setString(4, error);
        update.setObject(5, deadAt);
        update.setString(6, id);
        update.executeUpdate();
    }

    @Override
    public List<DeadLetter> deadLetters(int limit, Optional<String> after) {
        long from = after.map(id -> read(select -> {
            select.setString(1, id);
            try (ResultSet rows = select.executeQuery()) {
                if (!rows.next()) {
                    throw new NoSuchElementException(id);
                }
                return rows.getLong(1);
            }
        }, "SELECT seq FROM events WHERE id = ?")).orElse(0L);
        return read(select -> {
            select.setLong(1, from);
            select.setInt(2, limit);
            List<DeadLetter> letters = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    letters.add(deadLetter(rows));
                }
            }
            return letters;
        }, "SELECT " + PREVIEW_COLUMNS + ", " + SIZE + " AS size FROM events WHERE state = 'dead' AND seq > ? "
                + "ORDER BY seq LIMIT ?");
    }

    @Override
    public Optional<DeadLetter> deadLetter(String id) {
        return read(select -> {
            select.setString(1, id);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.of(deadLetter(rows)) : Optional.<DeadLetter>empty();
            }
        }, "SELECT " + COLUMNS + ", " + SIZE + " AS size FROM events WHERE id = ? AND state = 'dead'");
    }

    @Override
    public int deadLetterCount() {
        return read(select -> {
            try (ResultSet rows = select.executeQuery()) {
                return rows.getInt(1);
            }
        }, "SELECT count(*) FROM events WHERE state = 'dead'");
    }

    @Override
    public Replay replay(String id) {
        return submit(tx -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT " + ENTRY_COLUMNS + " FROM events WHERE id = ? AND state = 'dead'")) {
                select.setString(1, id);
                try (ResultSet rows = select.executeQuery()) {
                    if (!rows.next()) {
                        return Replay.NOT_FOUND;
                    }
                    return revive(tx, entry(rows)) ? Replay.REPLAYED : Replay.FULL;
                }
            }
        }).orElse(Replay.FULL);
    }

    @Override
    public int replayAll() {
        return submit(tx -> {
            int replayed = 0;
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT " + ENTRY_COLUMNS + " FROM events WHERE state = 'dead' ORDER BY seq");
                 ResultSet rows = select.executeQuery()) {
                while (rows.next() && revive(tx, entry(rows))) {
                    replayed++;
                }
            }
            return replayed;
        }).orElse(0);
    }

    /**
     * A dead entry back to pending, if the backlog has room. The agent has seen it before: the attempts go on
     * counting, so attempt 1 stays never a repeat.
     */
    private boolean revive(Tx tx, Entry dead) throws SQLException {
        Entry entry = dead.next();
        if (!tx.fits(List.of(entry))) {
            return false;
        }
        set(entry.id(), "pending", entry.attempt(), null, null, null);
        tx.added(List.of(entry));
        return true;
    }

    @Override
    public boolean delete(String id) {
        return submit(tx -> {
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM events WHERE id = ? AND state = 'dead'")) {
                delete.setString(1, id);
                return delete.executeUpdate() > 0;
            }
        }).orElse(false);
    }

    @Override
    public Backlog backlog() {
        return backlog;
    }

    @Override
    public void close() {
        synchronized (ops) {
            if (closed) {
                return;
            }
            closed = true;
            ops.add(stop);
        }
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        reading.lock();
        try {
            connection.close();
            reader.close();
        } catch (SQLException e) {
            LOGGER.log(Level.WARNING, "Closing inbox.db failed", e);
        } finally {
            reading.unlock();
        }
    }

    /**
     * A read on the reader connection, beside the writer.
     *
     * @throws IllegalStateException when the read failed
     */
    private <T> T read(Query<T> query, String sql) {
        reading.lock();
        try (PreparedStatement select = reader.prepareStatement(sql)) {
            return query.run(select);
        } catch (SQLException e) {
            throw new IllegalStateException("inbox read failed: " + e.getMessage(), e);
        } finally {
            reading.unlock();
        }
    }

    /**
     * Runs work in the next commit and waits for it; empty when the inbox is closed.
     *
     * @throws IllegalStateException when the commit failed
     */
    private <T> Optional<T> submit(Work<T> work) {
        Op<T> op = new Op<>(work, false);
        if (!enqueue(op)) {
            return Optional.empty();
        }
        try {
            return Optional.of(op.result.get());
        } catch (ExecutionException e) {
            throw new IllegalStateException("inbox store failed: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the inbox store", e);
        }
    }

    private void post(Work<Void> work) {
        enqueue(new Op<>(work, true));
    }

    private boolean enqueue(Op<?> op) {
        synchronized (ops) {
            if (closed) {
                return false;
            }
            ops.addLast(op);
            return true;
        }
    }

    private void write() {
        List<Op<?>> batch = new ArrayList<>();
        boolean stopping = false;
        while (!stopping) {
            batch.clear();
            try {
                batch.add(ops.take());
                ops.drainTo(batch, MAX_BATCH - 1);
                stopping = batch.remove(stop);
                commit(batch, stopping);
            } catch (InterruptedException e) {
                // Only STOP ends the writer.
            } catch (Throwable t) {
                // Nothing may stop the writer, an OutOfMemoryError included: every caller would wait for it forever.
                LOGGER.log(Level.ERROR, "Inbox writer failed on " + batch.size() + " operations", t);
                batch.forEach(op -> op.result.completeExceptionally(t));
            }
        }
    }

    /**
     * One transaction for the batch. Should an operation fail, the batch runs again with each operation in a
     * savepoint, so that the one that fails fails alone (savepoints on every batch would cost two statements each).
     */
    private void commit(List<Op<?>> batch, boolean stopping) throws SQLException {
        Tx tx = new Tx();
        List<Op<?>> applied = new ArrayList<>(batch.size());
        List<Object> results = new ArrayList<>(batch.size());
        try {
            for (Op<?> op : batch) {
                results.add(op.work.apply(tx));
                applied.add(op);
            }
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            tx = new Tx();
            applied.clear();
            results.clear();
            for (Op<?> op : batch) {
                Savepoint savepoint = connection.setSavepoint();
                try {
                    results.add(op.work.apply(tx));
                    applied.add(op);
                    connection.releaseSavepoint(savepoint);
                } catch (SQLException | RuntimeException failure) {
                    connection.rollback(savepoint);
                    LOGGER.log(Level.ERROR, "Inbox operation failed", failure);
                    op.result.completeExceptionally(failure);
                }
            }
        }
        try {
            Instant now = clock.instant();
            if (!now.isBefore(nextPrune)) {
                prune(now);
            }
            connection.commit();
        } catch (SQLException e) {
            LOGGER.log(Level.ERROR, "Inbox commit of " + applied.size() + " operations failed", e);
            connection.rollback();
            failed(applied, e, stopping);
            return;
        }
        tx.afterCommit.forEach(Runnable::run);
        for (int i = 0; i < applied.size(); i++) {
            complete(applied.get(i), results.get(i));
        }
    }

    /**
     * A commit failed (disk full, I/O error): callers that wait are told; the marks nobody waits for (done, retry,
     * dead) are tried again with the next batch, after a pause, unless the inbox is closing.
     */
    private void failed(List<Op<?>> applied, SQLException e, boolean stopping) {
        List<Op<?>> posted = applied.stream().filter(op -> op.posted).toList();
        applied.stream().filter(op -> !op.posted).forEach(op -> op.result.completeExceptionally(e));
        if (stopping) {
            return; // their entries are delivered again after the next start
        }
        synchronized (ops) {
            posted.reversed().forEach(ops::addFirst);
        }
        try {
            Thread.sleep(FAILED_COMMIT_PAUSE);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> void complete(Op<T> op, Object result) {
        op.result.complete((T) result);
    }

    /**
     * Deletes done events that left the dedup window (dead letters stay until replayed or deleted).
     */
    private void prune(Instant now) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement(
                "DELETE FROM events WHERE state = 'done' AND received_at < ?")) {
            delete.setLong(1, nanos(now.minus(dedupWindow)));
            delete.executeUpdate();
        }
        nextPrune = now.plus(PRUNE_EVERY);
    }

    private static void bind(PreparedStatement statement, Entry entry, ChannelEvent event) throws SQLException {
        statement.setString(1, entry.id());
        statement.setString(2, event.channel());
        statement.setString(3, event.scope());
        statement.setString(4, event.id());
        statement.setString(5, event.type());
        statement.setString(6, event.provider());
        statement.setString(7, event.conversation());
        statement.setString(8, event.thread().orElse(null));
        statement.setString(9, event.senderId());
        statement.setString(10, event.senderName());
        statement.setString(11, event.text());
        statement.setString(12, event.raw());
        statement.setLong(13, nanos(event.receivedAt()));
        statement.setString(14, event.approval().map(ApprovalDecision::requestId).orElse(null));
        statement.setString(15, event.approval().map(a -> a.decision().name()).orElse(null));
        statement.setString(16, "pending");
        statement.setInt(17, entry.attempt());
        statement.setObject(18, null);
        statement.setString(19, null);
        statement.setObject(20, null);
    }

    /**
     * The routing part of a row ({@link #ENTRY_COLUMNS}, or any selection with those columns).
     */
    private static Entry entry(ResultSet row) throws SQLException {
        String channel = row.getString("channel");
        Optional<String> thread = Optional.ofNullable(row.getString("thread"));
        long dueAt = row.getLong("due_at");
        Optional<Instant> due = row.wasNull() || !"retry".equals(row.getString("state")) ? Optional.empty()
                : Optional.of(instant(dueAt));
        return new Entry(row.getString("id"), channel,
                         Inbox.lane(channel, row.getString("scope"), row.getString("conversation"), thread),
                         instant(row.getLong("received_at")), row.getLong("size"), row.getInt("attempt"), due);
    }

    private static ChannelEvent event(ResultSet row) throws SQLException {
        String request = row.getString("approval_request");
        Optional<ApprovalDecision> approval = request == null ? Optional.empty() : Optional.of(
                new ApprovalDecision(request, ApprovalDecision.Decision.valueOf(row.getString("approval_decision"))));
        return new ChannelEvent(row.getString("event_id"), row.getString("channel"), row.getString("type"),
                                row.getString("provider"), row.getString("scope"), row.getString("conversation"),
                                Optional.ofNullable(row.getString("thread")), row.getString("sender_id"),
                                row.getString("sender_name"), row.getString("text"), row.getString("raw"),
                                instant(row.getLong("received_at")), approval);
    }

    private static DeadLetter deadLetter(ResultSet row) throws SQLException {
        return new DeadLetter(entry(row), event(row), row.getString("error"), instant(row.getLong("dead_at")));
    }

    private static long nanos(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
    }

    private static Instant instant(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }

    @FunctionalInterface
    private interface Work<T> {
        T apply(Tx tx) throws SQLException;
    }

    @FunctionalInterface
    private interface Query<T> {
        T run(PreparedStatement select) throws SQLException;
    }

    private static final class Op<T> {
        private final Work<T> work;
        private final boolean posted;
        private final CompletableFuture<T> result = new CompletableFuture<>();

        Op(Work<T> work, boolean posted) {
            this.work = work;
            this.posted = posted;
        }
    }

    /**
     * One transaction: what it adds to the backlog, and what to do once committed. Removals wait for the commit, so
     * the room it sees is never more than there will be.
     */
    private final class Tx {
        private final List<Runnable> afterCommit = new ArrayList<>();
        private final List<Entry> added = new ArrayList<>();
        private long addedBytes;

        boolean fits(List<Entry> more) {
            return backlog.fits(added.size() + more.size(), addedBytes + more.stream().mapToLong(Entry::size).sum());
        }

        void added(List<Entry> entries) {
            if (added.isEmpty()) {
                afterCommit.add(() -> makeReady(added));
            }
            added.addAll(entries);
            addedBytes += entries.stream().mapToLong(Entry::size).sum();
        }

        void afterCommit(Runnable action) {
            afterCommit.add(action);
        }
    }
}
