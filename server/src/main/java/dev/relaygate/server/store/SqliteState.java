package dev.relaygate.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

import dev.relaygate.api.spi.StateStore;

import dev.relaygate.server.StartupException;

/**
 * The plugins' durable key-value state in {@code <data-dir>/state.db} (SQLite, WAL, synchronous FULL: a
 * {@code put} is on disk when it returns). State is small and rarely written, so one connection under a lock is
 * enough.
 */
public final class SqliteState implements AutoCloseable {
    private final Connection connection;

    private SqliteState(Connection connection) {
        this.connection = connection;
    }

    public static SqliteState open(DataDir dataDir) {
        Connection connection = dataDir.sqlite("state.db");
        try (Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS state (owner TEXT NOT NULL, key TEXT NOT NULL, "
                                      + "value TEXT NOT NULL, PRIMARY KEY (owner, key))");
            return new SqliteState(connection);
        } catch (SQLException e) {
            try {
                connection.close();
            } catch (SQLException closing) {
                e.addSuppressed(closing);
            }
            throw new StartupException("relaygate.data-dir: cannot open state.db: " + e.getMessage(), e);
        }
    }

    /**
     * The store of one owner (a channel name).
     */
    public StateStore store(String owner) {
        return StateTable.store(owner, this::query);
    }

    private synchronized Optional<String> query(String sql, String... args) {
        try (PreparedStatement statement = prepare(sql, args); ResultSet rows = statement.executeQuery()) {
            return rows.next() ? Optional.of(rows.getString(1)) : Optional.empty();
        } catch (SQLException e) {
            throw new IllegalStateException("state store: " + e.getMessage(), e);
        }
    }

    private PreparedStatement prepare(String sql, String... args) throws SQLException {
        PreparedStatement statement = connection.prepareStatement(sql);
        for (int i = 0; i < args.length; i++) {
            statement.setString(i + 1, args[i]);
        }
        return statement;
    }

    @Override
    public synchronized void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            System.getLogger(SqliteState.class.getName()).log(System.Logger.Level.WARNING, "Closing state.db failed", e);
        }
    }
}
