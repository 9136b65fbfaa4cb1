package dev.relaygate.server.store;

import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.relaygate.api.spi.StateStore;
import dev.relaygate.server.StartupException;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class SqliteStateTest {
    @TempDir
    Path dir;

    @Test
    void survivesReopenAndTakesOnce() throws Exception {
        try (DataDir data = DataDir.lock(dir); SqliteState state = SqliteState.open(data)) {
            StateStore slack = state.store("slack");
            slack.put("team_id", "T1");
            slack.put("team_id", "T2");
            slack.put("nonce", "n-1");
            state.store("other").put("team_id", "T9");
        }
        try (DataDir data = DataDir.lock(dir); SqliteState state = SqliteState.open(data)) {
            StateStore slack = state.store("slack");
            assertThat(slack.get("team_id"), is(Optional.of("T2")));
            assertThat(state.store("other").get("team_id"), is(Optional.of("T9")));
            assertThat(slack.take("nonce"), is(Optional.of("n-1")));
            assertThat(slack.take("nonce"), is(Optional.empty()));
            assertThat(slack.get("missing"), is(Optional.empty()));
        }
    }

    @Test
    void oneGatewayPerDataDir() throws Exception {
        try (DataDir data = DataDir.lock(dir)) {
            StartupException e = org.junit.jupiter.api.Assertions.assertThrows(StartupException.class, () -> DataDir.lock(dir));
            assertThat(e.getMessage(), is("relaygate.data-dir: " + dir.toAbsolutePath() + " is in use by another Relaygate process"));
        }
        DataDir.lock(dir).close();
    }
}
