package dev.relaygate.server;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    @Test
    void anEventInAHandlerWhenStoppedIsDeliveredAgainWithAHigherAttempt() throws InterruptedException {
        try (TestGateway first = TestGateway.relay(dir, "dispatch:\n  shutdown-grace: PT0S")) {
            first.recorder.hold();
            try (var response = first.postSigned(EVENT)) {
                assertThat(response.status().code(), is(200));
            }
            first.recorder.awaitEntered();
        }
        // The same recorder: release the gate the interrupted call left closed.
        TestGateway.recorderOf(dir).release();
        try (TestGateway second = TestGateway.relay(dir, "")) {
            assertThat(second.recorder.next().text(), is("left over"));
            assertThat("it may have run: attempt 2", second.recorder.attempts.take().number(), is(2));
        }
    }

    @Test
    void anEventWhoseChannelIsGoneBecomesADeadLetter() throws InterruptedException {
        try (TestGateway first = TestGateway.relay(dir, "dispatch:\n  shutdown-grace: PT0S")) {
            first.recorder.hold();
            try (var response = first.postSigned(EVENT)) {
                assertThat(response.status().code(), is(200));
            }
            first.recorder.awaitEntered();
        }
        TestGateway.recorderOf(dir).release();
        try (TestGateway second = TestGateway.start(dir, "channels:\n  slack:\n    enabled: false")) {
            for (int i = 0; i < 1000 && second.gateway.inbox().deadLetters().isEmpty(); i++) {
                Thread.sleep(10);
            }
            Inbox.DeadLetter letter = second.gateway.inbox().deadLetters().getFirst();
            assertThat(letter.entry().event().text(), is("left over"));
            assertThat(letter.error(), is("channel slack is not configured"));
        }
    }
}
