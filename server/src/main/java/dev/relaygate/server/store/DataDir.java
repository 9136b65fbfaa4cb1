package dev.relaygate.server.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;

import dev.relaygate.server.StartupException;

/**
 * {@code relaygate.data-dir}, held by one gateway at a time: a lock on {@code <data-dir>/lock} for as long as it runs.
 * The durable inbox relies on it: whatever the folder holds in flight belongs to a process that is gone.
 *
 * <p>The folder holds message texts, raw bodies and the plugins' state (a pending OAuth nonce): it is created
 * {@code 0700}, its files are kept {@code 0600} (SQLite gives a database's {@code -wal} and {@code -shm} files the
 * database file's permissions), and a folder that its group or everyone may write to is warned about at start.
 */
public final class DataDir implements AutoCloseable {
    private static final Set<PosixFilePermission> PRIVATE_FOLDER = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");

    private final Path path;
    private final FileChannel lockFile;
    private final FileLock lock;

    private DataDir(Path path, FileChannel lockFile, FileLock lock) {
        this.path = path;
        this.lockFile = lockFile;
        this.lock = lock;
    }

    public static DataDir lock(Path path) {
        try {
            if (!Files.isDirectory(path)) {
                Files.createDirectories(path, PosixFilePermissions.asFileAttribute(PRIVATE_FOLDER));
            }
            warnIfShared(path, "relaygate.data-dir", "whoever can write there can read and change the stored events");
            FileChannel channel = FileChannel.open(privateFile(path.resolve("lock")), StandardOpenOption.WRITE);
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

    public Path path() {
        return path.toAbsolutePath();
    }

    /**
     * A connection to a SQLite database in the folder: WAL, and synchronous FULL, so a commit is on disk when it
     * returns.
     */
    Connection sqlite(String file) {
        Path db = path.resolve(file);
        try {
            privateFile(db);
            for (String companion : new String[] {"-wal", "-shm", "-journal"}) {
                Path other = path.resolve(file + companion);
                if (Files.exists(other)) {
                    privateFile(other);
                }
            }
        } catch (IOException e) {
            throw new StartupException("relaygate.data-dir: cannot use " + db + ": " + e.getMessage(), e);
        }
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

    /**
     * Creates a file readable and writable by the owner only, or takes an existing one down to that.
     */
    private static Path privateFile(Path file) throws IOException {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PRIVATE_FILE));
        } catch (FileAlreadyExistsException e) {
            Files.setPosixFilePermissions(file, PRIVATE_FILE);
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system: its own access rules apply.
            if (!Files.exists(file)) {
                Files.createFile(file);
            }
        }
        return file;
    }

    /**
     * Warns when others than the owner may write to a folder the gateway trusts.
     */
    public static void warnIfShared(Path folder, String key, String risk) {
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(folder);
            if (permissions.contains(PosixFilePermission.GROUP_WRITE) || permissions.contains(PosixFilePermission.OTHERS_WRITE)) {
                System.getLogger(DataDir.class.getName()).log(System.Logger.Level.WARNING, key + " " + folder.toAbsolutePath()
                        + " is writable by its group or by everyone (" + PosixFilePermissions.toString(permissions)
                        + "): " + risk + "; chmod go-w it");
            }
        } catch (IOException | UnsupportedOperationException e) {
            // A missing folder is fine (no plugins), and a non-POSIX file system has its own rules.
        }
    }

    @Override
    public void close() throws IOException {
        lock.release();
        lockFile.close();
    }
}
