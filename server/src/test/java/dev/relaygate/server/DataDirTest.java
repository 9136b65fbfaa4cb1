package dev.relaygate.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

/**
 * The data folder holds message texts, raw bodies and a live OAuth nonce: only its owner may read it.
 */
class DataDirTest {
    @TempDir
    Path dir;

    private static String permissions(Path path) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    @Test
    void theFolderIsCreatedPrivateAndItsFilesStayPrivate() throws Exception {
        Path data = dir.resolve("new").resolve("data");
        try (DataDir dataDir = DataDir.lock(data); Connection inbox = dataDir.sqlite("inbox.db");
             Statement statement = inbox.createStatement()) {
            statement.execute("CREATE TABLE t (x)");
            statement.execute("INSERT INTO t VALUES (1)");
            assertThat(permissions(data), is("rwx------"));
            for (String file : List.of("lock", "inbox.db", "inbox.db-wal", "inbox.db-shm")) {
                assertThat(file, permissions(data.resolve(file)), is("rw-------"));
            }
        }
    }

    @Test
    void filesLeftReadableByAnEarlierVersionAreTightened() throws Exception {
        Path db = dir.resolve("state.db");
        Files.createFile(db, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
        try (DataDir dataDir = DataDir.lock(dir)) {
            dataDir.sqlite("state.db").close();
            assertThat(permissions(db), is("rw-------"));
        }
    }

    @Test
    void foldersOthersMayWriteToAreWarnedAbout() throws Exception {
        List<LogRecord> warnings = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                warnings.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger logger = Logger.getLogger(DataDir.class.getName());
        logger.addHandler(capture);
        try {
            Path shared = Files.createDirectory(dir.resolve("shared"));
            Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
            DataDir.lock(shared).close();
            assertThat(warnings, hasSize(1));
            assertThat(warnings.getFirst().getMessage(), containsString("relaygate.data-dir " + shared
                    + " is writable by its group or by everyone (rwxrwxrwx)"));

            warnings.clear();
            Path plugins = Files.createDirectory(dir.resolve("plugins"));
            Files.setPosixFilePermissions(plugins, PosixFilePermissions.fromString("rwxrwxr-x"));
            Plugins.load(DataDirTest.class.getClassLoader(), plugins);
            assertThat(warnings, hasSize(1));
            assertThat(warnings.getFirst().getMessage(), containsString("whoever can write there can run code in the gateway"));

            warnings.clear();
            Files.setPosixFilePermissions(plugins, PosixFilePermissions.fromString("rwxr-xr-x"));
            Plugins.load(DataDirTest.class.getClassLoader(), plugins);
            assertThat(warnings, empty());
        } finally {
            logger.removeHandler(capture);
        }
    }
}
