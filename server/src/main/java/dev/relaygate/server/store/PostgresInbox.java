package dev.relaygate.server.store;

import java.lang.System.Logger.Level;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import dev.relaygate.api.ApprovalDecision;
import dev.relaygate.api.ChannelEvent;

import static dev.relaygate.server.store.Rows.instant;
import static dev.relaygate.server.store.Rows.nanos;

/**
 * The inbox of several replicas on one PostgreSQL ({@code relaygate.inbox.type: postgres}).
 *
 * <p>Storing: one writer thread per replica takes every operation waiting into one transaction (group commit), so
 * concurrent webhooks share a commit. A unique index on (channel, team, event id) makes a relay retry that lands on
 * another replica a duplicate. A commit that stored events sends one {@code NOTIFY} with the range of their numbers.
 *
 * <p>Handling: events of one conversation lane are handled by one process at a time, in the order stored. A row in
 * {@code lanes} names a lane's owner (a process, not a host) until {@code expires_at}, by the database's clock. The
 * work itself says which lanes need an owner: a replica claims the lanes of new work that have no live owner (the
 * work it stored, on its commit's notification; every {@link #POLL}, all work), renews its leases every third of
 * {@code relaygate.inbox.lease-timeout}, and deletes the rows of its lanes with no work left. Storing an event never
 * touches a lane row, so replicas that store into the same conversations never wait on each other. A lane whose owner
 * stopped renewing (killed, cut off) is taken over once its lease has expired; each of its events that was in a
 * handler then counts that try as run (attempt + 1), so attempt 1 is never a repeat. Every try is marked
 * {@code leased} in the store before it starts, and only by the lane's owner: a process that lost its lane cannot
 * start or finish a try of it.
 *
 * <p>Lock order: lane rows are always locked sorted by lane, shared by the writer for the tries it starts and ends
 * (so no claim can take the lane meanwhile), exclusively by claims, renewals and releases. So replicas never deadlock
 * on each other's lanes.
 *
 * <p>Rows: the event is written once ({@code events}); its steps go to a narrow {@code work} row whose changing columns
 * no index names (heap-only updates), deleted when the event is done.
 *
 * <p>Wake-ups: a listener connection per replica receives the {@code NOTIFY}s, claims the free lanes of what it
 * stored itself and hands out what is new in the lanes it owns; every {@link #POLL} it also claims lanes whose owner
 * is gone, gives up idle lanes, refreshes the shared backlog count and renews its leases when due, and every {@link
 * #RECONCILE_EVERY} reads its lanes' waiting events again (a notification lost without the connection breaking would
 * cost that long; a broken connection reconciles at once).
 */
final class PostgresInbox implements Inbox {
    /** The slow poll: lost notifications, the shared backlog count, lease renewal and expiry are seen this often. */
    static final Duration POLL = Duration.ofSeconds(1);
    static final Duration MAINTAIN_EVERY = Duration.ofSeconds(10);
    /** How often the events of owned lanes are read again, in case a notification went missing. */
    static final Duration RECONCILE_EVERY = Duration.ofSeconds(5);
    private static final System.Logger LOGGER = System.getLogger(PostgresInbox.class.getName());
    private static final String CHANNEL = "relaygate_inbox";
    private static final Duration LISTEN_SLICE = Duration.ofMillis(200);
    private static final Duration UNREACHABLE_LOG_EVERY = Duration.ofSeconds(10);
    // Replicas prune one at a time: the key of the advisory lock that says whose turn it is.
    private static final long PRUNE_LOCK = 0x72656c6179676174L;
    private static final int PRUNE_BATCH = 500;
    private static final String ACTIVE = "('pending', 'leased', 'retry')";
    // Columns of work (alias w) and of events (alias e).
    private static final String ENTRY = "w.seq, w.id, w.channel, w.lane, w.received_at, w.size, w.attempt, w.state, "
            + "w.due_at";
    private static final String EVENT = "e." + Rows.EVENT.replace(", ", ", e.");
    // A dead letter as listings show it: no raw body, the text cut short by the database.
    private static final String PREVIEW = EVENT.replace("e.text, e.raw", "substr(e.text, 1, " + TEXT_PREVIEW + "), ''");
    private static final String DEAD = ENTRY + ", w.error, w.dead_at, ";
    private static final String DEAD_LETTERS = " FROM work w JOIN events e ON e.seq = w.seq WHERE w.dead_at IS NOT NULL ";
    // The event, and its work row only when the event is new (not a duplicate): one statement, one round trip.
    private static final String INSERT = "WITH e AS (INSERT INTO events (seq, id, received_at, dedup, channel, scope, "
            + "event_id, conversation, thread, type, provider, sender_id, sender_name, approval_request, approval_decision, "
            + "text, raw) VALUES (?, ?, ?, true, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (channel, scope, "
            + "event_id) WHERE event_id <> '' AND dedup DO NOTHING RETURNING seq, id, channel, received_at) "
            + "INSERT INTO work (seq, id, channel, lane, received_at, size, state, attempt) "
            + "SELECT seq, id, channel, ?, received_at, ?, 'pending', 1 FROM e";
    private static final String OLDER = "SELECT seq, received_at FROM events WHERE channel = ? AND scope = ? "
            + "AND event_id = ? AND event_id <> '' AND dedup";

    private final Postgres db;
    private final String owner;
    private final long leaseSeconds;
    private final Duration dedupWindow;
    private final Clock clock;
    private final SharedBacklog backlog;
    private final GroupCommit<Tx> writer;
    private final Thread listener;
    private final ReentrantLock lock = new ReentrantLock();
    // Held by the writer from a commit until the backlog and the handed-out sets have its changes, and by the listener
    // from a read of the store until what it read is counted or handed out: so a finished entry is never handed out
    // again from a read older than its commit.
    private final ReentrantLock counting = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final ArrayDeque<Entry> ready = new ArrayDeque<>();
    // The lanes this process owns, each with the numbers of its events handed out and not yet done or dead.
    private final Map<String, Set<Long>> owned = new HashMap<>();
    // The newest events this process stored: usually its own lanes' (it claims the free lanes of what it stores).
    private final HotEvents hot = new HotEvents();
    private volatile boolean reachable = true;
    // The database gone: a line every ten seconds at most, not one per webhook.
    private final AtomicLong unreachableLogged = new AtomicLong(System.nanoTime() - UNREACHABLE_LOG_EVERY.toNanos());
    // The listener's own state.
    private long pruneFrom;
    private Instant nextRenewal = Instant.MIN;
    private Instant nextMaintenance = Instant.MIN;
    private Instant nextReconcile = Instant.MIN;

    private PostgresInbox(Postgres db, int capacity, long maxBytes, Duration dedupWindow, Clock clock) {
        this.db = db;
        this.owner = db.settings().owner();
        this.leaseSeconds = db.settings().leaseTimeout().toSeconds();
        this.dedupWindow = dedupWindow;
        this.clock = clock;
        this.backlog = new SharedBacklog(capacity, maxBytes);
        this.writer = new GroupCommit<>(this::commit, Duration.ZERO);
        this.listener = Thread.ofPlatform().name("relaygate-inbox-listener").daemon().start(this::listen);
    }

    static PostgresInbox open(Postgres db, int capacity, long maxBytes, Duration dedupWindow, Clock clock) {
        PostgresInbox inbox = new PostgresInbox(db, capacity, maxBytes, dedupWindow, clock);
        LOGGER.log(Level.INFO, "Inbox on PostgreSQL as " + inbox.owner + " (lease-timeout " + db.settings().leaseTimeout()
                + ")");
        return inbox;
    }

    @Override
    public Offer offer(List<ChannelEvent> events) {
        return submit(new LaneOp<>(tx -> store(tx, events), false, List.of(), events.size())).orElse(Offer.CLOSED);
    }

    /**
     * Stores the events that are not duplicates, all or none; a conflict on the dedup index is a duplicate unless the
     * older event has left the window.
     */
    private Offer store(Tx tx, List<ChannelEvent> events) throws SQLException {
        // Numbered once they are known to fit; each event's size is measured once.
        List<Entry> entries = events.stream().map(event -> Entry.first(0, event)).toList();
        if (!tx.fits(entries) && !tx.fits(fresh(tx.connection, events))) {
            return Offer.FULL;
        }
        long since = nanos(clock.instant().minus(dedupWindow));
        boolean stored = false;
        try (PreparedStatement insert = tx.connection.prepareStatement(INSERT)) {
            for (int i = 0; i < events.size(); i++) {
                ChannelEvent event = events.get(i);
                Entry entry = entries.get(i).renumbered(tx.nextSeq());
                if (insert(insert, entry, event) || retired(tx.connection, event, since) && insert(insert, entry, event)) {
                    tx.stored(entry, event);
                    stored = true;
                }
            }
        }
        return stored ? Offer.STORED : Offer.DUPLICATE;
    }

    private static boolean insert(PreparedStatement insert, Entry entry, ChannelEvent event) throws SQLException {
        insert.setLong(1, entry.seq());
        insert.setString(2, entry.id());
        insert.setLong(3, nanos(event.receivedAt()));
        String[] texts = {event.channel(), event.scope(), event.id(), event.conversation(), event.thread().orElse(null),
                event.type(), event.provider(), event.senderId(), event.senderName(),
                event.approval().map(ApprovalDecision::requestId).orElse(null),
                event.approval().map(a -> a.decision().name()).orElse(null), event.text(), event.raw()};
        for (int i = 0; i < texts.length; i++) {
            insert.setString(4 + i, Postgres.text(texts[i]));
        }
        insert.setString(4 + texts.length, Postgres.text(entry.lane()));
        insert.setLong(5 + texts.length, entry.size());
        return insert.executeUpdate() == 1;
    }

    private boolean retired(Connection connection, ChannelEvent event, long since) throws SQLException {
        OptionalLong older = older(connection, event);
        if (older.isEmpty() || older.getAsLong() >= since) {
            return false;
        }
        try (PreparedStatement retire = connection.prepareStatement("UPDATE events SET dedup = false "
                + "WHERE channel = ? AND scope = ? AND event_id = ? AND dedup")) {
            bindId(retire, event);
            retire.executeUpdate();
        }
        return true;
    }

    /** When the stored event with the same id arrived, if there is one. */
    private static OptionalLong older(Connection connection, ChannelEvent event) throws SQLException {
        if (event.id().isEmpty()) {
            return OptionalLong.empty();
        }
        try (PreparedStatement older = connection.prepareStatement(OLDER)) {
            bindId(older, event);
            try (ResultSet rows = older.executeQuery()) {
                return rows.next() ? OptionalLong.of(rows.getLong(2)) : OptionalLong.empty();
            }
        }
    }

    private static void bindId(PreparedStatement statement, ChannelEvent event) throws SQLException {
        statement.setString(1, Postgres.text(event.channel()));
        statement.setString(2, Postgres.text(event.scope()));
        statement.setString(3, Postgres.text(event.id()));
    }

    /** The entries an offer would store, for the exact capacity check near capacity. */
    private List<Entry> fresh(Connection connection, List<ChannelEvent> events) throws SQLException {
        long since = nanos(clock.instant().minus(dedupWindow));
        List<Entry> fresh = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (ChannelEvent event : events) {
            OptionalLong older = older(connection, event);
            boolean duplicate = older.isPresent() && older.getAsLong() >= since;
            if (!duplicate && (event.id().isEmpty() || ids.add(event.id()))) {
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

    /**
     * Hands out the entries of lanes this process owns that it has not handed out yet.
     */
    private void handOut(Collection<Entry> entries) {
        lock.lock();
        try {
            for (Entry entry : entries) {
                Set<Long> loaded = owned.get(entry.lane());
                if (loaded != null && loaded.add(entry.seq())) {
                    ready.add(entry);
                }
            }
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private boolean owns(String lane) {
        lock.lock();
        try {
            return owned.containsKey(lane);
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
        return read("SELECT " + EVENT + " FROM events e WHERE e.seq = ?", select -> {
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
     * Marks the try as started, if this process still owns the lane and the entry is still the one stored (not done
     * meanwhile, not taken over): false tells the dispatcher to leave it. A lease that has run out but was not yet
     * claimed by another replica still counts: refusing it for a late renewal would let the lane's next event, leased
     * after the renewal, overtake this one.
     */
    @Override
    public boolean lease(Entry entry) {
        // The lane row is share-locked first (the Op names it): no other replica can claim it until this try is recorded.
        boolean leased = submit(new LaneOp<>(tx -> {
            try (PreparedStatement update = tx.connection.prepareStatement(
                    "UPDATE work SET state = 'leased' WHERE seq = ? AND attempt = ? AND state IN ('pending', 'retry') "
                            + "AND EXISTS (SELECT 1 FROM lanes WHERE lane = ? AND owner = ?)")) {
                update.setLong(1, entry.seq());
                update.setInt(2, entry.attempt());
                update.setString(3, Postgres.text(entry.lane()));
                update.setString(4, owner);
                return update.executeUpdate() == 1;
            }
        }, false, List.of(entry.lane()), 0)).orElse(false);
        if (!leased) {
            // Done meanwhile, or the lane is not this process's: if it is still to do, the lane's owner has it (or the
            // next reconcile hands it out again here, should this process own the lane by then).
            lock.lock();
            try {
                Set<Long> loaded = owned.get(entry.lane());
                if (loaded != null) {
                    loaded.remove(entry.seq());
                }
            } finally {
                lock.unlock();
            }
        }
        return leased;
    }

    // done, retry and dead are not waited for: if the replica dies first, the entry is delivered again with a higher
    // attempt, which handlers must expect anyway. Each applies only while this process owns the lane.

    /** Done: its work row goes (the event stays for the dedup window). */
    @Override
    public void done(Entry entry) {
        finish(entry, "DELETE FROM work", List.of());
    }

    @Override
    public void dead(Entry entry, String error) {
        finish(entry, "UPDATE work SET state = 'dead', dead_at = ?, error = ?",
               List.of(nanos(clock.instant()), Postgres.text(error)));
    }

    private void finish(Entry entry, String change, List<Object> values) {
        post(new LaneOp<>(tx -> {
            try (PreparedStatement update = tx.connection.prepareStatement(change + " WHERE seq = ? AND state IN "
                    + ACTIVE + " AND EXISTS (SELECT 1 FROM lanes WHERE lane = ? AND owner = ?)")) {
                int i = 1;
                for (Object value : values) {
                    update.setObject(i++, value);
                }
                update.setLong(i++, entry.seq());
                update.setString(i++, Postgres.text(entry.lane()));
                update.setString(i, owner);
                if (update.executeUpdate() == 1) {
                    tx.finished(entry);
                }
            }
            return null;
        }, true, List.of(entry.lane()), 0));
    }

    @Override
    public void retry(Entry entry, Instant at, String error) {
        post(new LaneOp<>(tx -> {
            try (PreparedStatement update = tx.connection.prepareStatement(
                    "UPDATE work SET state = 'retry', attempt = ?, due_at = ?, error = ? WHERE seq = ? "
                            + "AND state IN " + ACTIVE + " AND EXISTS (SELECT 1 FROM lanes WHERE lane = ? AND owner = ?)")) {
                update.setInt(1, entry.attempt() + 1);
                update.setLong(2, nanos(at));
                update.setString(3, Postgres.text(error));
                update.setLong(4, entry.seq());
                update.setString(5, Postgres.text(entry.lane()));
                update.setString(6, owner);
                update.executeUpdate();
            }
            return null;
        }, true, List.of(entry.lane()), 0));
    }

    @Override
    public List<DeadLetter> deadLetters(int limit, Optional<String> after) {
        long from = after.map(id -> locate(id).orElseThrow(() -> new NoSuchElementException(id))).orElse(0L);
        return read("SELECT " + DEAD + PREVIEW + DEAD_LETTERS + "AND w.seq > ? ORDER BY w.seq LIMIT ?",
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
        return read("SELECT " + DEAD + EVENT + DEAD_LETTERS + "AND w.seq = ?", select -> {
            select.setLong(1, seq.getAsLong());
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.of(deadLetter(rows)) : Optional.empty();
            }
        });
    }

    private OptionalLong locate(String id) {
        OptionalLong seq = Inbox.seqOf(id);
        if (seq.isEmpty()) {
            return seq;
        }
        return read("SELECT e.seq FROM events e WHERE e.seq = ? AND e.id = ?", select -> {
            select.setLong(1, seq.getAsLong());
            select.setString(2, id);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? OptionalLong.of(rows.getLong(1)) : OptionalLong.empty();
            }
        });
    }

    @Override
    public int deadLetterCount() {
        return read("SELECT count(*) FROM work WHERE dead_at IS NOT NULL", select -> {
            try (ResultSet rows = select.executeQuery()) {
                rows.next();
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
        List<Entry> dead = deadEntries("w.seq = " + seq.getAsLong(), 1);
        if (dead.isEmpty()) {
            return Replay.NOT_FOUND;
        }
        return revive(dead) == 1 ? Replay.REPLAYED : Replay.FULL;
    }

    @Override
    public int replayAll() {
        return revive(deadEntries("true", backlog.capacity()));
    }

    private List<Entry> deadEntries(String where, int limit) {
        return read("SELECT " + ENTRY + " FROM work w WHERE w.dead_at IS NOT NULL AND " + where + " ORDER BY w.seq LIMIT "
                            + limit,
                    select -> {
                        List<Entry> entries = new ArrayList<>();
                        try (ResultSet rows = select.executeQuery()) {
                            while (rows.next()) {
                                entries.add(entry(rows));
                            }
                        }
                        return entries;
                    });
    }

    /**
     * Dead entries back in the backlog, oldest first, as many as it has room for: retries due at once. The agent has
     * seen them before: the attempts go on counting, so attempt 1 stays never a repeat.
     */
    private int revive(List<Entry> dead) {
        return submit(new LaneOp<>(tx -> {
            int revived = 0;
            try (PreparedStatement update = tx.connection.prepareStatement("UPDATE work SET state = 'retry', "
                    + "attempt = attempt + 1, due_at = NULL, error = NULL, dead_at = NULL WHERE seq = ? "
                    + "AND dead_at IS NOT NULL")) {
                for (Entry entry : dead) {
                    if (!tx.fits(1, entry.size())) {
                        break;
                    }
                    update.setLong(1, entry.seq());
                    if (update.executeUpdate() == 1) {
                        tx.stored(entry.next());
                        revived++;
                    }
                }
            }
            return revived;
        }, false, List.of(), 0)).orElse(0);
    }

    @Override
    public boolean delete(String id) {
        OptionalLong seq = locate(id);
        return seq.isPresent() && submit(new LaneOp<>(tx -> {
            try (PreparedStatement delete = tx.connection.prepareStatement("WITH w AS (DELETE FROM work WHERE seq = ? "
                    + "AND dead_at IS NOT NULL RETURNING seq) DELETE FROM events WHERE seq IN (SELECT seq FROM w)")) {
                delete.setLong(1, seq.getAsLong());
                return delete.executeUpdate() > 0;
            }
        }, false, List.of(), 0)).orElse(false);
    }

    @Override
    public Backlog backlog() {
        return backlog;
    }

    @Override
    public Optional<String> unavailable() {
        return reachable ? Optional.empty() : Optional.of("database unreachable");
    }

    /**
     * Stops the writer and the listener, then gives this process's lanes up at once rather than at lease expiry:
     * tries that were running count as run.
     */
    @Override
    public void close() {
        if (!writer.close()) {
            return;
        }
        try {
            listener.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Connection connection = db.connection()) {
            connection.setAutoCommit(false);
            try (PreparedStatement counted = connection.prepareStatement("UPDATE work SET state = 'retry', "
                    + "attempt = attempt + 1, due_at = NULL WHERE state = 'leased' AND lane IN "
                    + "(SELECT lane FROM lanes WHERE owner = ? ORDER BY lane FOR UPDATE)");
                 PreparedStatement release = connection.prepareStatement("DELETE FROM lanes WHERE owner = ?")) {
                counted.setString(1, owner);
                counted.executeUpdate();
                release.setString(1, owner);
                release.executeUpdate();
            }
            connection.commit();
        } catch (SQLException e) {
            LOGGER.log(Level.WARNING, "Inbox: could not give up this replica's lanes; others take them over after "
                    + "lease-timeout: " + e.getMessage());
        }
    }

    // ---- The writer: group commit.

    private <T> Optional<T> submit(LaneOp<T> op) {
        return writer.submit(op);
    }

    private void post(LaneOp<Void> op) {
        writer.post(op);
    }

    /**
     * One transaction for the batch: its lanes locked first, in order; the operations; the lanes' counts; one
     * notification. Should the database refuse an operation, each runs again in a transaction of its own, so that the
     * one that fails fails alone.
     */
    private void commit(List<GroupCommit.Op<Tx, ?>> batch, boolean stopping) {
        List<Object> results = new ArrayList<>(batch.size());
        Tx tx;
        try (Connection connection = db.connection()) {
            connection.setAutoCommit(false);
            try {
                tx = new Tx(connection, batch.stream().mapToInt(op -> laneOp(op).events).sum());
                lockLanes(connection, batch);
                for (GroupCommit.Op<Tx, ?> op : batch) {
                    results.add(op.apply(tx));
                }
                tx.notifyStored();
                counting.lock();
                try {
                    connection.commit();
                    tx.counted();
                } finally {
                    counting.unlock();
                }
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
            reachable = true;
        } catch (SQLException | RuntimeException e) {
            if (!lostConnection(e)) {
                if (batch.size() > 1) {
                    batch.forEach(op -> commit(List.of(op), stopping));
                } else {
                    LOGGER.log(Level.ERROR, "Inbox operation failed", e);
                    batch.getFirst().fail(e);
                }
                return;
            }
            reachable = false;
            unreachable("Inbox commit of " + batch.size() + " operations failed: " + e.getMessage());
            writer.failed(batch, e, stopping);
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).complete(results.get(i));
        }
    }

    private void unreachable(String line) {
        long last = unreachableLogged.get();
        long now = System.nanoTime();
        if (now - last >= UNREACHABLE_LOG_EVERY.toNanos() && unreachableLogged.compareAndSet(last, now)) {
            LOGGER.log(Level.WARNING, line);
        }
    }

    /** Whether the database is out of reach (SQL state class 08), as opposed to refusing a statement. */
    private static boolean lostConnection(Exception e) {
        return e instanceof SQLException sql && (sql.getSQLState() == null || sql.getSQLState().startsWith("08"));
    }

    /**
     * Share-locks the rows of the lanes whose tries the batch starts or ends, sorted: until the commit no other replica
     * can claim them, and lanes are always locked in the same order.
     */
    private static void lockLanes(Connection connection, List<GroupCommit.Op<Tx, ?>> batch) throws SQLException {
        TreeSet<String> lanes = new TreeSet<>();
        batch.forEach(op -> laneOp(op).lanes.forEach(lane -> lanes.add(Postgres.text(lane))));
        if (lanes.isEmpty()) {
            return;
        }
        try (PreparedStatement lock = connection.prepareStatement("SELECT 1 FROM lanes WHERE lane = ANY(?) "
                + "ORDER BY lane FOR SHARE")) {
            lock.setArray(1, connection.createArrayOf("text", lanes.toArray()));
            lock.executeQuery().close();
        }
    }

    // ---- The listener: claims, wake-ups, the slow poll.

    private void listen() {
        Instant nextPoll = Instant.MIN;
        while (!writer.closed()) {
            try (Connection connection = db.connection()) {
                // Every step ends its transaction: notifications reach a connection only between transactions.
                connection.setAutoCommit(false);
                try (Statement statement = connection.createStatement()) {
                    statement.execute("LISTEN " + CHANNEL);
                }
                connection.commit();
                PGConnection notifications = connection.unwrap(PGConnection.class);
                // Notifications may have been missed while not listening.
                nextPoll = Instant.MIN;
                nextReconcile = Instant.MIN;
                while (!writer.closed()) {
                    PGNotification[] received = notifications.getNotifications((int) LISTEN_SLICE.toMillis());
                    if (received != null && received.length > 0) {
                        loadRanges(connection, received);
                    }
                    Instant now = Instant.now();
                    if (!now.isBefore(nextPoll)) {
                        poll(connection, now);
                        nextPoll = now.plus(POLL);
                    }
                    reachable = true;
                }
            } catch (SQLException | RuntimeException e) {
                reachable = false;
                unreachable("Inbox listener lost the database: " + e.getMessage());
                try {
                    Thread.sleep(POLL);
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    /** The slow poll: renewal, releases, claims, ownership, a reconcile and pruning when due, the backlog count. */
    private void poll(Connection connection, Instant now) throws SQLException {
        if (!now.isBefore(nextRenewal)) {
            renew(connection);
            nextRenewal = now.plusSeconds(Math.max(1, leaseSeconds / 3));
        }
        // Lanes with no work left are given up; lanes with work and no live owner are claimed.
        try (PreparedStatement release = connection.prepareStatement("DELETE FROM lanes WHERE lane IN (SELECT l.lane "
                + "FROM lanes l WHERE l.owner = ? AND NOT EXISTS (SELECT 1 FROM work w WHERE w.lane = l.lane "
                + "AND w.dead_at IS NULL) ORDER BY l.lane FOR UPDATE)")) {
            release.setString(1, owner);
            release.executeUpdate();
        }
        connection.commit();
        claim(connection, 0, Long.MAX_VALUE);
        // The store says which lanes are this process's.
        Set<String> lanes = new HashSet<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT lane FROM lanes WHERE owner = ?")) {
            select.setString(1, owner);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    lanes.add(Postgres.untext(rows.getString(1)));
                }
            }
        }
        lock.lock();
        try {
            owned.keySet().retainAll(lanes);
            lanes.forEach(lane -> owned.putIfAbsent(lane, new HashSet<>()));
        } finally {
            lock.unlock();
        }
        if (!now.isBefore(nextReconcile)) {
            // The safety net for a notification this connection did not get: it reads every waiting event of the
            // lanes owned, so not every poll.
            counting.lock();
            try (PreparedStatement select = connection.prepareStatement("SELECT " + ENTRY + " FROM work w WHERE w.lane IN "
                    + "(SELECT lane FROM lanes WHERE owner = ?) AND w.state IN ('pending', 'retry') ORDER BY w.seq")) {
                select.setString(1, owner);
                handOut(entries(select));
            } finally {
                counting.unlock();
            }
            nextReconcile = now.plus(RECONCILE_EVERY);
        }
        // No commit of this process between the count and the refresh: each of its changes is in one of them.
        counting.lock();
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT count(*), coalesce(sum(size), 0), min(received_at) "
                                                             + "FROM work WHERE dead_at IS NULL")) {
            rows.next();
            long oldest = rows.getLong(3);
            backlog.refresh(rows.getInt(1), rows.getLong(2), rows.wasNull() ? Optional.empty()
                    : Optional.of(instant(oldest)));
        } finally {
            counting.unlock();
        }
        connection.commit();
        if (!now.isBefore(nextMaintenance)) {
            nextMaintenance = now.plus(maintain(connection) ? Duration.ZERO : MAINTAIN_EVERY);
        }
    }

    /**
     * Extends this process's leases; lanes it no longer owns (its lease ran out and another took over) are dropped:
     * their entries here can no longer start.
     */
    private void renew(Connection connection) throws SQLException {
        Set<String> kept = new HashSet<>();
        try (PreparedStatement update = connection.prepareStatement("UPDATE lanes SET expires_at = clock_timestamp() + "
                + "? * interval '1 second' WHERE lane IN (SELECT lane FROM lanes WHERE owner = ? ORDER BY lane FOR UPDATE) "
                + "RETURNING lane")) {
            update.setLong(1, leaseSeconds);
            update.setString(2, owner);
            try (ResultSet rows = update.executeQuery()) {
                while (rows.next()) {
                    kept.add(Postgres.untext(rows.getString(1)));
                }
            }
        }
        connection.commit();
        lock.lock();
        try {
            if (owned.keySet().retainAll(kept)) {
                LOGGER.log(Level.WARNING, "Inbox: leases ran out before they were renewed; other replicas took lanes over");
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Claims the lanes of the work numbered {@code from} to {@code to} that have no live owner, and hands out their
     * events. A lane taken over from an owner that stopped renewing counts the try that was running as run.
     */
    private void claim(Connection connection, long from, long to) throws SQLException {
        List<String> claimed = new ArrayList<>();
        try (PreparedStatement update = connection.prepareStatement("INSERT INTO lanes (lane, owner, expires_at) "
                + "SELECT lane, ?, clock_timestamp() + ? * interval '1 second' FROM (SELECT DISTINCT w.lane FROM work w "
                + "WHERE w.seq BETWEEN ? AND ? AND w.dead_at IS NULL AND NOT EXISTS (SELECT 1 FROM lanes l "
                + "WHERE l.lane = w.lane AND l.expires_at > clock_timestamp()) LIMIT 256) free ORDER BY lane "
                + "ON CONFLICT (lane) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at "
                + "WHERE lanes.expires_at < clock_timestamp() RETURNING lane")) {
            update.setString(1, owner);
            update.setLong(2, leaseSeconds);
            update.setLong(3, from);
            update.setLong(4, to);
            try (ResultSet rows = update.executeQuery()) {
                while (rows.next()) {
                    claimed.add(rows.getString(1));
                }
            }
        }
        if (claimed.isEmpty()) {
            connection.commit();
            return;
        }
        Array lanes = connection.createArrayOf("text", claimed.toArray());
        try (PreparedStatement counted = connection.prepareStatement("UPDATE work SET state = 'retry', "
                + "attempt = attempt + 1, due_at = NULL WHERE lane = ANY(?) AND state = 'leased'")) {
            counted.setArray(1, lanes);
            int taken = counted.executeUpdate();
            if (taken > 0) {
                LOGGER.log(Level.INFO, "Inbox: took over " + taken + " events whose tries were cut off");
            }
        }
        // Only now: the update above may wait for a row the writer holds until its commit, which needs this lock.
        counting.lock();
        try (PreparedStatement select = connection.prepareStatement("SELECT " + ENTRY + " FROM work w "
                + "WHERE w.lane = ANY(?) AND w.state IN ('pending', 'retry') ORDER BY w.seq")) {
            select.setArray(1, lanes);
            List<Entry> entries = entries(select);
            connection.commit();
            lock.lock();
            try {
                claimed.forEach(lane -> owned.putIfAbsent(Postgres.untext(lane), new HashSet<>()));
            } finally {
                lock.unlock();
            }
            handOut(entries);
        } finally {
            counting.unlock();
        }
    }

    /**
     * What a notification announces: the events stored in one commit, numbered from the first to the last, and the
     * process that stored them. That process claims their lanes without an owner (the others would only race it for
     * the same rows; should it die first, the next poll of any replica claims them); every process hands out the new
     * events of the lanes it owns.
     */
    private void loadRanges(Connection connection, PGNotification[] received) throws SQLException {
        for (PGNotification notification : received) {
            String[] range = notification.getParameter().split(",", 3);
            long from = Long.parseLong(range[0]);
            long to = Long.parseLong(range[1]);
            if (range.length < 3 || range[2].equals(owner)) {
                claim(connection, from, to);
            }
            counting.lock();
            try (PreparedStatement select = connection.prepareStatement("SELECT " + ENTRY + " FROM work w "
                    + "WHERE w.seq BETWEEN ? AND ? AND w.state IN ('pending', 'retry') ORDER BY w.seq")) {
                select.setLong(1, from);
                select.setLong(2, to);
                handOut(entries(select).stream().filter(entry -> owns(entry.lane())).toList());
                connection.commit();
            } finally {
                counting.unlock();
            }
        }
    }

    /**
     * Deletes a batch of done events that left the dedup window (dead letters stay until replayed or deleted), oldest
     * first, and lanes with no work and no owner; one replica at a time. True when there is more to prune.
     */
    private boolean maintain(Connection connection) throws SQLException {
        boolean more = false;
        try (PreparedStatement turn = connection.prepareStatement("SELECT pg_try_advisory_xact_lock(?)")) {
            turn.setLong(1, PRUNE_LOCK);
            try (ResultSet rows = turn.executeQuery()) {
                rows.next();
                if (!rows.getBoolean(1)) {
                    connection.commit();
                    return false;
                }
            }
        }
        long cutoff = nanos(clock.instant().minus(dedupWindow));
        List<Long> old = new ArrayList<>();
        int examined = 0;
        // Done is an event without a work row.
        try (PreparedStatement select = connection.prepareStatement("SELECT e.seq, w.seq IS NULL, e.received_at "
                + "FROM events e LEFT JOIN work w ON w.seq = e.seq WHERE e.seq >= ? ORDER BY e.seq LIMIT " + PRUNE_BATCH)) {
            select.setLong(1, pruneFrom);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next() && rows.getLong(3) < cutoff) {
                    examined++;
                    pruneFrom = rows.getLong(1) + 1;
                    if (rows.getBoolean(2)) {
                        old.add(rows.getLong(1));
                    }
                }
            }
        }
        try (PreparedStatement delete = connection.prepareStatement("DELETE FROM events WHERE seq = ANY(?) "
                + "AND NOT EXISTS (SELECT 1 FROM work WHERE work.seq = events.seq)");
             Statement lanes = connection.createStatement()) {
            delete.setArray(1, connection.createArrayOf("bigint", old.toArray()));
            delete.executeUpdate();
            // Lanes of processes that are gone, with no work left.
            lanes.executeUpdate("DELETE FROM lanes WHERE lane IN (SELECT l.lane FROM lanes l WHERE l.expires_at < "
                    + "clock_timestamp() AND NOT EXISTS (SELECT 1 FROM work w WHERE w.lane = l.lane AND w.dead_at IS NULL) "
                    + "ORDER BY l.lane LIMIT " + PRUNE_BATCH + " FOR UPDATE SKIP LOCKED)");
            more = examined == PRUNE_BATCH;
        }
        connection.commit();
        return more;
    }

    // ---- Rows.

    private <T> T read(String sql, Query<T> query) {
        try (Connection connection = db.connection(); PreparedStatement select = connection.prepareStatement(sql)) {
            return query.run(select);
        } catch (SQLException e) {
            throw new IllegalStateException("inbox read failed: " + e.getMessage(), e);
        }
    }

    private static List<Entry> entries(PreparedStatement select) throws SQLException {
        List<Entry> entries = new ArrayList<>();
        try (ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                entries.add(entry(rows));
            }
        }
        return entries;
    }

    /** The routing part of a row ({@link #ENTRY}, as the first columns). */
    private static Entry entry(ResultSet row) throws SQLException {
        long dueAt = row.getLong(9);
        Optional<Instant> due = row.wasNull() || !"retry".equals(row.getString(8)) ? Optional.empty()
                : Optional.of(instant(dueAt));
        return new Entry(row.getLong(1), row.getString(2), Postgres.untext(row.getString(3)),
                         Postgres.untext(row.getString(4)), instant(row.getLong(5)), row.getLong(6), row.getInt(7), due);
    }

    /** An event from {@link #EVENT} (or {@link #PREVIEW}) columns starting at {@code first}. */
    private static ChannelEvent event(ResultSet row, int first) throws SQLException {
        return Rows.event(row, first, Postgres::untext);
    }

    private static DeadLetter deadLetter(ResultSet row) throws SQLException {
        return new DeadLetter(entry(row), event(row, 12), Postgres.untext(row.getString(10)), instant(row.getLong(11)));
    }

    @FunctionalInterface
    private interface Query<T> {
        T run(PreparedStatement select) throws SQLException;
    }

    /**
     * An operation for the writer with what its commit needs first: the lanes whose rows it changes (locked before any
     * operation runs) and how many event numbers it may need.
     */
    private static final class LaneOp<T> extends GroupCommit.Op<Tx, T> {
        private final List<String> lanes;
        private final int events;

        LaneOp(GroupCommit.Work<Tx, T> work, boolean posted, List<String> lanes, int events) {
            super(work, posted);
            this.lanes = lanes;
            this.events = events;
        }
    }

    // Every operation this inbox queues is a LaneOp.
    private static LaneOp<?> laneOp(GroupCommit.Op<Tx, ?> op) {
        return (LaneOp<?>) op;
    }

    /**
     * One transaction: the event numbers it may use, what it stores and finishes (for the lanes' counts, the
     * notification and the backlog).
     */
    private final class Tx {
        private final Connection connection;
        private final ArrayDeque<Long> seqs = new ArrayDeque<>();
        private final int wanted;
        private final List<Entry> stored = new ArrayList<>();
        private final List<Entry> finished = new ArrayList<>();
        private final Map<Long, ChannelEvent> storedEvents = new HashMap<>();

        Tx(Connection connection, int wanted) {
            this.connection = connection;
            this.wanted = wanted;
        }

        /** The next event number; the first call takes all the batch may need in one round trip. */
        long nextSeq() throws SQLException {
            if (seqs.isEmpty()) {
                try (PreparedStatement select = connection.prepareStatement(
                        "SELECT nextval('events_seq') FROM generate_series(1, ?)")) {
                    select.setInt(1, Math.max(1, wanted));
                    try (ResultSet rows = select.executeQuery()) {
                        while (rows.next()) {
                            seqs.add(rows.getLong(1));
                        }
                    }
                }
            }
            return seqs.poll();
        }

        boolean fits(int entries, long bytes) {
            long added = stored.stream().mapToLong(Entry::size).sum() - finished.stream().mapToLong(Entry::size).sum();
            return backlog.fits(stored.size() - finished.size() + entries, added + bytes);
        }

        boolean fits(List<Entry> more) {
            return fits(more.size(), more.stream().mapToLong(Entry::size).sum());
        }

        void stored(Entry entry) {
            stored.add(entry);
        }

        void stored(Entry entry, ChannelEvent event) {
            stored(entry);
            storedEvents.put(entry.seq(), event);
        }

        void finished(Entry entry) {
            finished.add(entry);
        }

        /** One notification for the events stored: the range of their numbers, and which process stored them. */
        void notifyStored() throws SQLException {
            if (!stored.isEmpty()) {
                long first = stored.stream().mapToLong(Entry::seq).min().orElseThrow();
                long last = stored.stream().mapToLong(Entry::seq).max().orElseThrow();
                try (PreparedStatement notify = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
                    notify.setString(1, CHANNEL);
                    notify.setString(2, first + "," + last + "," + owner);
                    notify.execute();
                }
            }
        }

        /**
         * Once committed, before the listener reads the store again: the backlog's changes, and the entries no longer
         * handed out. New entries are handed out by the listener only, in the order the notifications come, which is
         * the order of the commits: handing this process's own out here could put them before an earlier event of the
         * lane that another replica stored.
         */
        void counted() {
            for (Entry entry : stored) {
                ChannelEvent event = storedEvents.get(entry.seq());
                if (event != null) {
                    hot.put(entry.seq(), event, entry.size());
                }
            }
            stored.forEach(backlog::added);
            finished.forEach(backlog::finished);
            lock.lock();
            try {
                for (Entry entry : finished) {
                    Set<Long> loaded = owned.get(entry.lane());
                    if (loaded != null) {
                        loaded.remove(entry.seq());
                    }
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * The backlog of all replicas: the count of the store, refreshed every {@link #POLL}, plus what this process
     * stored and finished since the count was taken. What other replicas store between refreshes is not seen: together
     * they may go over the limits by what they accept in one {@link #POLL}.
     */
    private static final class SharedBacklog implements Backlog {
        private final int capacity;
        private final long maxBytes;
        // The store's count at the last refresh, and this process's changes since.
        private int counted;
        private long countedBytes;
        private Optional<Instant> countedOldest = Optional.empty();
        private int changes;
        private long changedBytes;
        private Optional<Instant> addedOldest = Optional.empty();

        SharedBacklog(int capacity, long maxBytes) {
            this.capacity = capacity;
            this.maxBytes = maxBytes;
        }

        synchronized void refresh(int size, long bytes, Optional<Instant> oldest) {
            counted = size;
            countedBytes = bytes;
            countedOldest = oldest;
            changes = 0;
            changedBytes = 0;
            addedOldest = Optional.empty();
        }

        synchronized void added(Entry entry) {
            changes++;
            changedBytes += entry.size();
            if (addedOldest.isEmpty() || entry.receivedAt().isBefore(addedOldest.get())) {
                addedOldest = Optional.of(entry.receivedAt());
            }
        }

        synchronized void finished(Entry entry) {
            changes--;
            changedBytes -= entry.size();
        }

        @Override
        public synchronized boolean fits(int moreEntries, long moreBytes) {
            return size() + (long) moreEntries <= capacity && bytes() + moreBytes <= maxBytes;
        }

        @Override
        public synchronized int size() {
            return Math.max(0, counted + changes);
        }

        @Override
        public synchronized long bytes() {
            return Math.max(0, countedBytes + changedBytes);
        }

        @Override
        public synchronized Optional<Instant> oldest() {
            if (size() == 0) {
                return Optional.empty();
            }
            return countedOldest.isEmpty() ? addedOldest : addedOldest.filter(added -> added.isBefore(countedOldest.get()))
                    .or(() -> countedOldest);
        }

        @Override
        public int capacity() {
            return capacity;
        }

        @Override
        public long maxBytes() {
            return maxBytes;
        }
    }
}
