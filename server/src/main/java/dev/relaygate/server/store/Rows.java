package dev.relaygate.server.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;
import java.util.function.UnaryOperator;

import dev.relaygate.api.ApprovalDecision;
import dev.relaygate.api.ChannelEvent;

/**
 * What the SQLite and the PostgreSQL inbox store alike: an event's columns, in one order, and times as nanoseconds
 * since the epoch.
 */
final class Rows {
    /** An event's columns, in the order {@link #event} reads them. */
    static final String EVENT = "channel, scope, event_id, type, provider, conversation, thread, sender_id, "
            + "sender_name, text, raw, received_at, approval_request, approval_decision";

    private Rows() {
    }

    /**
     * An event from the {@link #EVENT} columns starting at {@code first}, each text column through {@code text} (what
     * the store did to keep it).
     */
    static ChannelEvent event(ResultSet row, int first, UnaryOperator<String> text) throws SQLException {
        String[] t = new String[11];
        for (int i = 0; i < t.length; i++) {
            t[i] = text.apply(row.getString(first + i));
        }
        String request = text.apply(row.getString(first + 12));
        Optional<ApprovalDecision> approval = request == null ? Optional.empty() : Optional.of(
                new ApprovalDecision(request, ApprovalDecision.Decision.valueOf(row.getString(first + 13))));
        return new ChannelEvent(t[2], t[0], t[3], t[4], t[1], t[5], Optional.ofNullable(t[6]), t[7], t[8], t[9], t[10],
                                instant(row.getLong(first + 11)), approval);
    }

    static long nanos(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
    }

    static Instant instant(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }
}
