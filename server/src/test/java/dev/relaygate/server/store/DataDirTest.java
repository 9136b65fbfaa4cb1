package dev.relaygate.server.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
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
}
