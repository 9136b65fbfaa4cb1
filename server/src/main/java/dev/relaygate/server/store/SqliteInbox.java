package dev.relaygate.server.store;

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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeSet;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;

import dev.relaygate.api.ApprovalDecision;
import dev.relaygate.api.ChannelEvent;

import dev.relaygate.server.StartupException;

import static dev.relaygate.server.store.Rows.instant;
import static dev.relaygate.server.store.Rows.nanos;

/**
 * The durable inbox: SQLite in {@code <data-dir>/inbox.db}, WAL, synchronous FULL. One writer thread owns the
 * connection and runs every write. It takes all operations waiting at that moment into one transaction (and, while
 * under load, waits up to {@code relaygate.inbox.commit-delay} for more), so concurrent webhooks share one commit and
 * one fsync (group commit), and an offer returns after the commit that holds it.
 *
 * <p>The hot path costs one write per event and no index on anything that changes:
 * <ul>
 *     <li>the store is one {@code INSERT … ON CONFLICT DO NOTHING}: a unique index on (channel, team, event id) tells a
 *     duplicate, and only a conflict costs a look at the older row's age (an id may come again after the window);</li>
 *     <li>the row's number is its primary key and is part of its delivery id ({@link Inbox#deliveryId}), so nothing
 *     looks the random id up;</li>
 *     <li>first tries are leased in bulk: a watermark ("every event up to number W may have started") is written
 *     when the dispatcher reaches an event above it, once for all events stored by then, instead of a waited-for
 *     write per event; later tries, rare, still mark their row;</li>
 *     <li>the done mark is a posted update of the row by its number, sharing the next commit;</li>
 *     <li>the event itself usually never comes back from disk: the newest stored events stay in memory (up to
 *     {@link HotEvents#MAX_BYTES}) until their first try takes them.</li>
 * </ul>
 *
 * <p>A row is {@code pending} (stored, first try not known to be over), {@code leased} (a later try has started),
 * {@code retry} (the next try is due at {@code due_at}, or at once), {@code done} or {@code dead}. A partial index
 * holds only the rows that need attention after a restart or in a listing ({@code leased}, {@code retry},
 * {@code dead}). Leases last as long as the process: the data-dir lock proves that rows an earlier run left behind
 * belong to a process that is gone. So at open, every row that may have been in a handler (pending up to the lease
 * watermark, or leased) counts its try as run (attempt + 1, now {@code retry}): attempt 1 is never a repeat. Pending
 * rows are found from a low watermark ("no pending row below number L") kept up to date every
 * {@link #MAINTAIN_EVERY}, with the pruning of done rows that left the dedup window.
 */
final class SqliteInbox implements Inbox {
    static final Duration MAINTAIN_EVERY = Duration.ofSeconds(10);
    private static final System.Logger LOGGER = System.getLogger(SqliteInbox.class.getName());
    private static final int SCHEMA_VERSION = 2;
    private static final int PRUNE_BATCH = 500;
    // Small, often read columns first: reading a column behind a large text would read its overflow pages too.
    private static final String TABLE = """
            CREATE TABLE events (
              seq INTEGER PRIMARY KEY,
              id TEXT NOT NULL,
              state TEXT NOT NULL,
              attempt INTEGER NOT NULL,
              due_at INTEGER,
              dead_at INTEGER,
              received_at INTEGER NOT NULL,
              size INTEGER NOT NULL,
              dedup INTEGER NOT NULL,
              channel TEXT NOT NULL,
              scope TEXT NOT NULL,
              event_id TEXT NOT NULL,
              conversation TEXT NOT NULL,
              thread TEXT,
              type TEXT NOT NULL,
              provider TEXT NOT NULL,
              sender_id TEXT NOT NULL,
              sender_name TEXT NOT NULL,
              approval_request TEXT,
              approval_decision TEXT,
              error TEXT,
              text TEXT NOT NULL,
              raw TEXT NOT NULL)""";
    private static final String DEDUP_INDEX = "CREATE UNIQUE INDEX events_dedup ON events (channel, scope, event_id) "
            + "WHERE event_id <> '' AND dedup = 1";
    private static final String ATTENTION_INDEX = "CREATE INDEX events_attention ON events (state) "
            + "WHERE state IN ('leased', 'retry', 'dead')";
    private static final String ENTRY = "seq, id, channel, scope, conversation, thread, received_at, size, attempt, state, "
            + "due_at";
    private static final String EVENT = Rows.EVENT;
    // A dead letter as listings show it: no raw body, the text cut short (by SQLite, so the rest never leaves the file).
    private static final String PREVIEW = EVENT.replace("text, raw", "substr(text, 1, " + TEXT_PREVIEW + "), ''");
    private static final String DEAD = ENTRY + ", error, dead_at, ";

    private final Connection connection;
    // Reads of bodies and dead letters, beside the writer (WAL lets them see every commit without waiting for it).
    private final Connection reader;
    private final ReentrantLock reading = new ReentrantLock();
    private final Map<String, PreparedStatement> readerStatements = new HashMap<>();
    private final LocalBacklog backlog;
    private final Duration dedupWindow;
    private final Clock clock;
    private final PreparedStatement insert;
    private final PreparedStatement older;
    private final PreparedStatement retire;
    private final PreparedStatement mark;
    private final PreparedStatement setState;
    private final PreparedStatement setRetry;
    private final PreparedStatement setDead;
    private final GroupCommit<Tx> writer;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final ArrayDeque<Entry> ready = new ArrayDeque<>();
    // The newest stored events, until their first try takes them.
    private final HotEvents hot = new HotEvents();
    // Every first try of an event numbered up to this may start without a write: the lease watermark, committed.
    private volatile long leasedUpTo;
    // The writer's own state: the numbers of pending rows, and where the next row, the prune and the scan start.
    private final TreeSet<Long> pending = new TreeSet<>();
    private long nextSeq;
    private long pendingFrom;
    private long pruneFrom;
    private long legacyIds;
    private Instant nextMaintenance = Instant.MIN;

    private SqliteInbox(Connection connection, Connection reader, int capacity, long maxBytes, Duration dedupWindow,
                        Duration commitDelay, Clock clock) throws SQLException {
        this.connection = connection;
        this.reader = reader;
        this.backlog = new LocalBacklog(capacity, maxBytes);
        this.dedupWindow = dedupWindow;
        this.clock = clock;
        schema();
        this.insert = connection.prepareStatement("INSERT INTO events (seq, id, state, attempt, received_at, size, dedup, "
                + "channel, scope, event_id, conversation, thread, type, provider, sender_id, sender_name, approval_request, "
                + "approval_decision, text, raw) VALUES (?, ?, 'pending', 1, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                + "ON CONFLICT DO NOTHING");
        this.older = connection.prepareStatement("SELECT seq, received_at FROM events WHERE channel = ? AND scope = ? "
                + "AND event_id = ? AND event_id <> '' AND dedup = 1");
        this.retire = connection.prepareStatement("UPDATE events SET dedup = 0 WHERE seq = ?");
        this.mark = connection.prepareStatement("INSERT INTO marks (name, value) VALUES (?, ?) "
                + "ON CONFLICT (name) DO UPDATE SET value = excluded.value");
        this.setState = connection.prepareStatement("UPDATE events SET state = ? WHERE seq = ?");
        this.setRetry = connection.prepareStatement("UPDATE events SET state = 'retry', attempt = ?, due_at = ?, error = ? "
                + "WHERE seq = ?");
        this.setDead = connection.prepareStatement("UPDATE events SET state = 'dead', error = ?, dead_at = ? WHERE seq = ?");
        recover();
        this.writer = new GroupCommit<>(this::commit, commitDelay);
    }

    static SqliteInbox open(DataDir dataDir, int capacity, long maxBytes, Duration dedupWindow, Duration commitDelay,
                            Clock clock) {
        List<Connection> opened = new ArrayList<>();
        try {
            Connection connection = dataDir.sqlite("inbox.db");
            opened.add(connection);
            connection.setAutoCommit(false);
            Connection reader = dataDir.sqlite("inbox.db");
            opened.add(reader);
            return new SqliteInbox(connection, reader, capacity, maxBytes, dedupWindow, commitDelay, clock);
        } catch (SQLException | RuntimeException e) {
            // A broken file, or a row this build cannot read.
            for (Connection connection : opened) {
                try {
                    connection.close();
                } catch (SQLException closing) {
                    e.addSuppressed(closing);
                }
            }
            throw new StartupException("relaygate.data-dir: cannot open inbox.db: " + e.getMessage(), e);
        }
    }

    /**
     * Creates the schema, or brings a version 1 file (one row per event with a random-id index and a per-event
     * lease) to version 2 in one transaction.
     */
    private void schema() throws SQLException {
        try (Statement statement = connection.createStatement()) {
            int version;
            try (ResultSet rows = statement.executeQuery("PRAGMA user_version")) {
                version = rows.getInt(1);
            }
            if (version == 0 || version == 1) {
                if (version == 1) {
                    statement.execute("ALTER TABLE events RENAME TO events_v1");
                }
                statement.execute(TABLE);
                statement.execute("CREATE TABLE marks (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID");
                if (version == 1) {
                    // Leased rows stay leased (they count a try at the next step); delivery ids stay as they were.
                    statement.execute("INSERT INTO events (seq, id, state, attempt, due_at, dead_at, received_at, size, dedup, "
                            + "channel, scope, event_id, conversation, thread, type, provider, sender_id, sender_name, "
                            + "approval_request, approval_decision, error, text, raw) SELECT seq, id, state, attempt, due_at, "
                            + "dead_at, received_at, octet_length(raw) + octet_length(text) + octet_length(event_id) "
                            + "+ octet_length(scope) + octet_length(conversation) + octet_length(sender_id) "
                            + "+ octet_length(sender_name) + coalesce(octet_length(thread), 0) + 64, 1, channel, scope, "
                            + "event_id, conversation, thread, type, provider, sender_id, sender_name, approval_request, "
                            + "approval_decision, error, text, raw FROM events_v1");
                    statement.execute("DROP TABLE events_v1");
                    statement.execute("INSERT INTO marks (name, value) SELECT 'legacy-ids', coalesce(max(seq), 0) FROM events");
                }
                statement.execute(DEDUP_INDEX);
                statement.execute(ATTENTION_INDEX);
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
        Map<String, Long> marks = new HashMap<>();
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT name, value FROM marks")) {
            while (rows.next()) {
                marks.put(rows.getString(1), rows.getLong(2));
            }
        }
        pendingFrom = marks.getOrDefault("pending-from", 0L);
        legacyIds = marks.getOrDefault("legacy-ids", 0L);
        // Every try that may have started counts as run: later tries that were marked, first tries under the watermark.
        try (PreparedStatement leased = connection.prepareStatement(
                     "UPDATE events SET state = 'retry', due_at = NULL, attempt = attempt + 1 WHERE state = 'leased'");
             PreparedStatement firstTries = connection.prepareStatement(
                     "UPDATE events SET state = 'retry', due_at = NULL, attempt = attempt + 1 "
                             + "WHERE seq BETWEEN ? AND ? AND state = 'pending'")) {
            leased.executeUpdate();
            firstTries.setLong(1, pendingFrom);
            firstTries.setLong(2, marks.getOrDefault("leased", 0L));
            firstTries.executeUpdate();
        }
        int retries = 0;
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT " + ENTRY + " FROM events WHERE seq >= ? AND state = 'pending' "
                        + "UNION ALL SELECT " + ENTRY + " FROM events WHERE state = 'retry' ORDER BY seq")) {
            select.setLong(1, pendingFrom);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    Entry entry = entry(rows);
                    retries += entry.attempt() > 1 ? 1 : 0;
                    if (entry.attempt() == 1) {
                        pending.add(entry.seq());
                    }
                    ready.add(entry);
                    backlog.add(entry);
                }
            }
        }
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT coalesce(max(seq), 0), coalesce(min(seq), 0) FROM events")) {
            nextSeq = rows.getLong(1) + 1;
            pruneFrom = rows.getLong(2);
        }
        // Every row there is now has its try counted: the next lease covers what comes after.
        leasedUpTo = nextSeq - 1;
        mark("leased", leasedUpTo);
        maintain(clock.instant());
        connection.commit();
        if (!ready.isEmpty()) {
            LOGGER.log(Level.INFO, "Inbox: taking over " + ready.size() + " undelivered events from the last run ("
                    + retries + " of them tried before)");
        }
    }

    @Override
    public Offer offer(List<ChannelEvent> events) {
        return submit(tx -> store(tx, events)).orElse(Offer.CLOSED);
    }

    /**
     * One insert per event; a conflict on the dedup index is a duplicate, unless the older event left the window.
     */
    private Offer store(Tx tx, List<ChannelEvent> events) throws SQLException {
        List<Entry> entries = new ArrayList<>(events.size());
        long bytes = 0;
        for (ChannelEvent event : events) {
            Entry entry = Entry.first(nextSeq + entries.size(), event);
            entries.add(entry);
            bytes += entry.size();
        }
        // Room for all of them is the common case; near capacity, room only for those that are not duplicates.
        if (!tx.fits(events.size(), bytes) && !tx.fits(fresh(events))) {
            return Offer.FULL;
        }
        long since = nanos(clock.instant().minus(dedupWindow));
        boolean stored = false;
        for (int i = 0; i < events.size(); i++) {
            ChannelEvent event = events.get(i);
            // Numbered in the order stored: a duplicate in between takes no number.
            Entry entry = entries.get(i).renumbered(nextSeq);
            if (insert(entry, event) || retired(event, since) && insert(entry, event)) {
                nextSeq++;
                tx.added(entry, Optional.of(event));
                stored = true;
            }
        }
        return stored ? Offer.STORED : Offer.DUPLICATE;
    }

    private boolean insert(Entry entry, ChannelEvent event) throws SQLException {
        insert.setLong(1, entry.seq());
        insert.setString(2, entry.id());
        insert.setLong(3, nanos(event.receivedAt()));
        insert.setLong(4, entry.size());
        insert.setString(5, event.channel());
        insert.setString(6, event.scope());
        insert.setString(7, event.id());
        insert.setString(8, event.conversation());
        insert.setString(9, event.thread().orElse(null));
        insert.setString(10, event.type());
        insert.setString(11, event.provider());
        insert.setString(12, event.senderId());
        insert.setString(13, event.senderName());
        insert.setString(14, event.approval().map(ApprovalDecision::requestId).orElse(null));
        insert.setString(15, event.approval().map(a -> a.decision().name()).orElse(null));
        insert.setString(16, event.text());
        insert.setString(17, event.raw());
        return insert.executeUpdate() == 1;
    }

    /**
     * After a conflict: whether the event with the same id is older than the window, and so now retired from
     * deduplication (the caller inserts again).
     */
    private boolean retired(ChannelEvent event, long since) throws SQLException {
        older.setString(1, event.channel());
        older.setString(2, event.scope());
        older.setString(3, event.id());
        long seq;
        try (ResultSet rows = older.executeQuery()) {
            if (!rows.next() || rows.getLong(2) >= since) {
                return false;
            }
            seq = rows.getLong(1);
        }
        retire.setLong(1, seq);
        retire.executeUpdate();
        return true;
    }

    /**
     * The entries an offer would store, for the exact capacity check near capacity (a look per event id).
     */
    private List<Entry> fresh(List<ChannelEvent> events) throws SQLException {
        long since = nanos(clock.instant().minus(dedupWindow));
        List<Entry> fresh = new ArrayList<>();
        for (ChannelEvent event : events) {
            boolean duplicate = false;
            if (!event.id().isEmpty()) {
                older.setString(1, event.channel());
                older.setString(2, event.scope());
                older.setString(3, event.id());
                try (ResultSet rows = older.executeQuery()) {
                    duplicate = rows.next() && rows.getLong(2) >= since;
                }
            }
            if (!duplicate && fresh.stream().noneMatch(e -> !event.id().isEmpty() && e.id().equals(event.id()))) {
                fresh.add(Entry.first(0, event));
            }
        }
        return fresh;
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

    // In the writer, once committed.
    private void makeReady(List<Entry> entries, Map<Long, ChannelEvent> events) {
        for (Entry entry : entries) {
            backlog.add(entry);
            if (entry.attempt() == 1) {
                pending.add(entry.seq());
            }
        }
        lock.lock();
        try {
            for (Entry entry : entries) {
                ChannelEvent event = events.get(entry.seq());
                if (event != null) {
                    hot.put(entry.seq(), event, entry.size());
                }
            }
            ready.addAll(entries);
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public ChannelEvent event(Entry entry) {
        Optional<ChannelEvent> hotEvent = hot.take(entry.seq(), entry.size());
        if (hotEvent.isPresent()) {
            return hotEvent.get();
        }
        return read("SELECT " + EVENT + " FROM events WHERE seq = ?", select -> {
            select.setLong(1, entry.seq());
            try (ResultSet rows = select.executeQuery()) {
                if (!rows.next()) {
                    throw new SQLException("no row for delivery " + entry.id());
                }
                return event(rows, 1);
            }
        });
    }

    /**
     * A first try needs the lease watermark at or above its event (one write covers every event stored by then); a
     * later try marks its row.
     */
    @Override
    public boolean lease(Entry entry) {
        if (entry.attempt() == 1 && entry.seq() <= leasedUpTo) {
            return !writer.closed();
        }
        return submit(tx -> {
            if (entry.attempt() == 1) {
                long upTo = nextSeq - 1;
                if (upTo > tx.leased) {
                    mark("leased", upTo);
                    tx.leased = upTo;
                }
            } else {
                set(entry.seq(), "leased");
            }
            return true;
        }).orElse(false);
    }

    // done, retry and dead do not wait for their commit: if the gateway dies first, the entry is delivered again
    // with a higher attempt, which handlers must expect anyway.

    @Override
    public void done(Entry entry) {
        post(tx -> {
            set(entry.seq(), "done");
            tx.afterCommit(() -> {
                pending.remove(entry.seq());
                backlog.remove(entry.id());
            });
            return null;
        });
    }

    @Override
    public void retry(Entry entry, Instant at, String error) {
        post(tx -> {
            setRetry.setInt(1, entry.attempt() + 1);
            setRetry.setLong(2, nanos(at));
            setRetry.setString(3, error);
            setRetry.setLong(4, entry.seq());
            setRetry.executeUpdate();
            tx.afterCommit(() -> pending.remove(entry.seq()));
            return null;
        });
    }

    @Override
    public void dead(Entry entry, String error) {
        post(tx -> {
            setDead.setString(1, error);
            setDead.setLong(2, nanos(clock.instant()));
            setDead.setLong(3, entry.seq());
            setDead.executeUpdate();
            tx.afterCommit(() -> {
                pending.remove(entry.seq());
                backlog.remove(entry.id());
            });
            return null;
        });
    }

    private void set(long seq, String state) throws SQLException {
        setState.setString(1, state);
        setState.setLong(2, seq);
        setState.executeUpdate();
    }

    private void mark(String name, long value) throws SQLException {
        mark.setString(1, name);
        mark.setLong(2, value);
        mark.executeUpdate();
    }

    @Override
    public List<DeadLetter> deadLetters(int limit, Optional<String> after) {
        long from = after.map(id -> locate(id).orElseThrow(() -> new NoSuchElementException(id))).orElse(0L);
        return read("SELECT " + DEAD + PREVIEW + " FROM events WHERE state = 'dead' AND seq > ? ORDER BY seq LIMIT ?",
                    select -> {
                        select.setLong(1, from);
                        select.setInt(2, limit);
                        List<DeadLetter> letters = new ArrayList<>();
                        try (ResultSet rows = select.executeQuery()) {
                            while (rows.next()) {
                                letters.add(deadLetter(rows));
                            }
                        }
                        return letters;
                    });
    }

    @Override
    public Optional<DeadLetter> deadLetter(String id) {
        OptionalLong seq = locate(id);
        if (seq.isEmpty()) {
            return Optional.empty();
        }
        return read("SELECT " + DEAD + EVENT + " FROM events WHERE seq = ? AND state = 'dead'", select -> {
            select.setLong(1, seq.getAsLong());
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.of(deadLetter(rows)) : Optional.empty();
            }
        });
    }

    /**
     * The number of the row with this delivery id: from the id itself, or, for ids given before schema 2, by a
     * look through the rows that came over.
     */
    private OptionalLong locate(String id) {
        return read("SELECT seq FROM events WHERE seq = ? AND id = ? UNION ALL "
                            + "SELECT seq FROM events WHERE seq <= ? AND id = ? LIMIT 1", select -> {
            select.setLong(1, Inbox.seqOf(id).orElse(0));
            select.setString(2, id);
            select.setLong(3, legacyIds);
            select.setString(4, id);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? OptionalLong.of(rows.getLong(1)) : OptionalLong.empty();
            }
        });
    }

    @Override
    public int deadLetterCount() {
        return read("SELECT count(*) FROM events WHERE state = 'dead'", select -> {
            try (ResultSet rows = select.executeQuery()) {
                return rows.getInt(1);
            }
        });
    }

    @Override
    public Replay replay(String id) {
        OptionalLong seq = locate(id);
        if (seq.isEmpty()) {
            return Replay.NOT_FOUND;
        }
        return submit(tx -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT " + ENTRY + " FROM events WHERE seq = ? AND state = 'dead'")) {
                select.setLong(1, seq.getAsLong());
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
                    "SELECT " + ENTRY + " FROM events WHERE state = 'dead' ORDER BY seq");
                 ResultSet rows = select.executeQuery()) {
                while (rows.next() && revive(tx, entry(rows))) {
                    replayed++;
                }
            }
            return replayed;
        }).orElse(0);
    }

    /**
     * A dead entry back in the backlog, if it has room: a retry due at once. The agent has seen it before: the
     * attempts go on counting, so attempt 1 stays never a repeat.
     */
    private boolean revive(Tx tx, Entry dead) throws SQLException {
        Entry entry = dead.next();
        if (!tx.fits(List.of(entry))) {
            return false;
        }
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE events SET state = 'retry', attempt = ?, due_at = NULL, error = NULL, dead_at = NULL WHERE seq = ?")) {
            update.setInt(1, entry.attempt());
            update.setLong(2, entry.seq());
            update.executeUpdate();
        }
        tx.added(entry, Optional.empty());
        return true;
    }

    @Override
    public boolean delete(String id) {
        OptionalLong seq = locate(id);
        return seq.isPresent() && submit(tx -> {
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM events WHERE seq = ? AND state = 'dead'")) {
                delete.setLong(1, seq.getAsLong());
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
        if (!writer.close()) {
            return;
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
     * A read on the reader connection, beside the writer, with its statements prepared once.
     *
     * @throws IllegalStateException when the read failed
     */
    private <T> T read(String sql, Query<T> query) {
        reading.lock();
        try {
            PreparedStatement select = readerStatements.get(sql);
            if (select == null) {
                select = reader.prepareStatement(sql);
                readerStatements.put(sql, select);
            }
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
    private <T> Optional<T> submit(GroupCommit.Work<Tx, T> work) {
        return writer.submit(new GroupCommit.Op<>(work, false));
    }

    private void post(GroupCommit.Work<Tx, Void> work) {
        writer.post(new GroupCommit.Op<>(work, true));
    }

    /**
     * One transaction for the batch. Should an operation fail, the batch runs again with each operation in a
     * savepoint, so that the one that fails fails alone (savepoints on every batch would cost two statements each).
     */
    private void commit(List<GroupCommit.Op<Tx, ?>> batch, boolean stopping) throws SQLException {
        long seqAtStart = nextSeq;
        Tx tx = new Tx();
        List<GroupCommit.Op<Tx, ?>> applied = new ArrayList<>(batch.size());
        List<Object> results = new ArrayList<>(batch.size());
        try {
            for (GroupCommit.Op<Tx, ?> op : batch) {
                results.add(op.apply(tx));
                applied.add(op);
            }
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            nextSeq = seqAtStart;
            tx = new Tx();
            applied.clear();
            results.clear();
            for (GroupCommit.Op<Tx, ?> op : batch) {
                Savepoint savepoint = connection.setSavepoint();
                long seqBefore = nextSeq;
                try {
                    results.add(op.apply(tx));
                    applied.add(op);
                    connection.releaseSavepoint(savepoint);
                } catch (SQLException | RuntimeException failure) {
                    connection.rollback(savepoint);
                    nextSeq = seqBefore;
                    LOGGER.log(Level.ERROR, "Inbox operation failed", failure);
                    op.fail(failure);
                }
            }
        }
        try {
            Instant now = clock.instant();
            if (!now.isBefore(nextMaintenance)) {
                maintain(now);
            }
            connection.commit();
        } catch (SQLException e) {
            LOGGER.log(Level.ERROR, "Inbox commit of " + applied.size() + " operations failed", e);
            connection.rollback();
            nextSeq = seqAtStart;
            writer.failed(applied, e, stopping);
            return;
        }
        if (tx.leased > leasedUpTo) {
            leasedUpTo = tx.leased;
        }
        tx.afterCommit.forEach(Runnable::run);
        for (int i = 0; i < applied.size(); i++) {
            applied.get(i).complete(results.get(i));
        }
    }

    /**
     * Every {@link #MAINTAIN_EVERY}, in the writer's transaction: deletes a batch of done events that left the dedup
     * window (dead letters stay until replayed or deleted), oldest first, and moves the low watermark of pending rows
     * up. A batch at a time, so that no commit waits long for it.
     */
    private void maintain(Instant now) throws SQLException {
        long cutoff = nanos(now.minus(dedupWindow));
        int examined = 0;
        List<Long> old = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT seq, state, received_at FROM events WHERE seq >= ? ORDER BY seq LIMIT " + PRUNE_BATCH)) {
            select.setLong(1, pruneFrom);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next() && rows.getLong(3) < cutoff) {
                    examined++;
                    pruneFrom = rows.getLong(1) + 1;
                    if ("done".equals(rows.getString(2))) {
                        old.add(rows.getLong(1));
                    }
                }
            }
        }
        try (PreparedStatement delete = connection.prepareStatement("DELETE FROM events WHERE seq = ?")) {
            for (long seq : old) {
                delete.setLong(1, seq);
                delete.addBatch();
            }
            delete.executeBatch();
        }
        pendingFrom = pending.isEmpty() ? nextSeq : pending.first();
        mark("pending-from", pendingFrom);
        // Behind on pruning: the next commit goes on with it.
        nextMaintenance = examined == PRUNE_BATCH ? now : now.plus(MAINTAIN_EVERY);
    }

    /**
     * The routing part of a row ({@link #ENTRY}, as the first columns).
     */
    private static Entry entry(ResultSet row) throws SQLException {
        String channel = row.getString(3);
        Optional<String> thread = Optional.ofNullable(row.getString(6));
        long dueAt = row.getLong(11);
        Optional<Instant> due = row.wasNull() || !"retry".equals(row.getString(10)) ? Optional.empty()
                : Optional.of(instant(dueAt));
        return new Entry(row.getLong(1), row.getString(2), channel,
                         Inbox.lane(channel, row.getString(4), row.getString(5), thread),
                         instant(row.getLong(7)), row.getLong(8), row.getInt(9), due);
    }

    /**
     * An event from {@link #EVENT} (or {@link #PREVIEW}) columns starting at {@code first}: SQLite keeps text as it is.
     */
    private static ChannelEvent event(ResultSet row, int first) throws SQLException {
        return Rows.event(row, first, UnaryOperator.identity());
    }

    private static DeadLetter deadLetter(ResultSet row) throws SQLException {
        return new DeadLetter(entry(row), event(row, 14), row.getString(12), instant(row.getLong(13)));
    }

    @FunctionalInterface
    private interface Query<T> {
        T run(PreparedStatement select) throws SQLException;
    }

    /**
     * One transaction: what it adds to the backlog, the lease watermark it writes, and what to do once committed.
     * Removals wait for the commit, so the room it sees is never more than there will be.
     */
    private final class Tx {
        private final List<Runnable> afterCommit = new ArrayList<>();
        private final List<Entry> added = new ArrayList<>();
        private final Map<Long, ChannelEvent> addedEvents = new HashMap<>();
        private long addedBytes;
        private long leased;

        boolean fits(int entries, long bytes) {
            return backlog.fits(added.size() + entries, addedBytes + bytes);
        }

        boolean fits(List<Entry> more) {
            return fits(more.size(), more.stream().mapToLong(Entry::size).sum());
        }

        /**
         * An entry stored in this transaction, with its event to keep in memory (none for a replay).
         */
        void added(Entry entry, Optional<ChannelEvent> event) {
            if (added.isEmpty()) {
                afterCommit.add(() -> makeReady(added, addedEvents));
            }
            added.add(entry);
            event.ifPresent(e -> addedEvents.put(entry.seq(), e));
            addedBytes += entry.size();
        }

        void afterCommit(Runnable action) {
            afterCommit.add(action);
        }
    }
}
