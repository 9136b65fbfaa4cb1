package dev.relaygate.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.relaygate.server.store.DataDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasSize;

/**
 * Folders that others may write to are warned about: the data dir (message texts, raw bodies, a live OAuth nonce) and
 * the plugins dir (code the gateway runs).
 */
class SharedFoldersTest {
    @TempDir
    Path dir;

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
            Plugins.load(SharedFoldersTest.class.getClassLoader(), plugins);
            assertThat(warnings, hasSize(1));
            assertThat(warnings.getFirst().getMessage(), containsString("whoever can write there can run code in the gateway"));

            warnings.clear();
            Files.setPosixFilePermissions(plugins, PosixFilePermissions.fromString("rwxr-xr-x"));
            Plugins.load(SharedFoldersTest.class.getClassLoader(), plugins);
            assertThat(warnings, empty());
        } finally {
            logger.removeHandler(capture);
        }
    }
}
