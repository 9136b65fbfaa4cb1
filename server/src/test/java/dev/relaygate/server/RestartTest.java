package dev.relaygate.server;

import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.relaygate.server.store.Inbox;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * What a restart on the same data folder does with what the last run left: in process, with real files.
 */
class RestartTest {
    private static final String EVENT = """
            {"id":"e1","event_type":"message","provider_scope":"T1","channel_id":"C1","sender_id":"U1","content":"left over"}""";

    @TempDir
    Path dir;

    /**
     * A gateway stops (with no grace) while its handler is inside the call for one event.
     */
    private void stopWithAnEventInTheHandler() throws InterruptedException {
        try (TestGateway first = TestGateway.relay(dir, "dispatch:\n  shutdown-grace: PT0S")) {
            first.recorder.hold();
            try (var response = first.postSigned(EVENT)) {
                assertThat(response.status().code(), is(200));
            }
            first.recorder.awaitEntered();
        }
        // The same recorder serves the next gateway: open the gate the interrupted call left closed.
        TestGateway.recorderOf(dir).release();
    }

    @Test
    void anEventInAHandlerWhenStoppedIsDeliveredAgainWithAHigherAttempt() throws InterruptedException {
        stopWithAnEventInTheHandler();
        try (TestGateway second = TestGateway.relay(dir, "")) {
            assertThat(second.recorder.next().text(), is("left over"));
            assertThat("it may have run: attempt 2", second.recorder.attempts.take().number(), is(2));
        }
    }

    @Test
    void anEventWhoseChannelIsGoneBecomesADeadLetter() throws InterruptedException {
        stopWithAnEventInTheHandler();
        try (TestGateway second = TestGateway.start(dir, "channels:\n  slack:\n    enabled: false")) {
            TestGateway.eventually("a dead letter", () -> second.gateway.inbox().deadLetterCount() > 0);
            Inbox.DeadLetter letter = second.gateway.inbox().deadLetters(1, Optional.empty()).getFirst();
            assertThat(letter.event().text(), is("left over"));
            assertThat(letter.error(), is("channel slack is not configured"));
        }
    }
}
