package dev.relaygate.server;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * {@code relaygate.data-dir}, held by one gateway at a time: a lock on {@code <data-dir>/lock} for as long as it runs.
 * The durable inbox relies on it: whatever the folder holds in flight belongs to a process that is gone.
 */
final class DataDir implements AutoCloseable {
    private final Path path;
    private final FileChannel lockFile;
    private final FileLock lock;

    private DataDir(Path path, FileChannel lockFile, FileLock lock) {
        this.path = path;
        this.lockFile = lockFile;
        this.lock = lock;
    }

    static DataDir lock(Path path) {
        try {
            Files.createDirectories(path);
            FileChannel channel = FileChannel.open(path.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                channel.close();
                throw new StartupException("relaygate.data-dir: " + path.toAbsolutePath()
                                                   + " is in use by another Relaygate process");
            }
            return new DataDir(path, channel, lock);
        } catch (IOException e) {
            throw new StartupException("relaygate.data-dir: cannot use " + path.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    /**
     * A connection to a SQLite database in the folder: WAL, and synchronous FULL, so a commit is on disk when it
     * returns.
     */
    Connection sqlite(String file) {
        Path db = path.resolve(file);
        try {
            Connection connection = DriverManager.getConnection("jdbc:sqlite:" + db);
            try (Statement statement = connection.createStatement()) {
                statement.execute("PRAGMA journal_mode=WAL");
                statement.execute("PRAGMA synchronous=FULL");
            } catch (SQLException e) {
                connection.close();
                throw e;
            }
            return connection;
        } catch (SQLException e) {
            throw new StartupException("relaygate.data-dir: cannot open " + db + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() throws IOException {
        lock.release();
        lockFile.close();
    }
}
