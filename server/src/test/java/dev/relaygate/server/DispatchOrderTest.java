package dev.relaygate.server;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.helidon.webclient.http1.Http1ClientResponse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.relaygate.api.ChannelEvent;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * Events of one conversation are handled one at a time in arrival order; conversations run in parallel, and a blocked
 * one holds up nobody else.
 */
class DispatchOrderTest {
    private static final String EVENT = """
            {"id":"%s-%d","event_type":"message","provider_scope":"T1","channel_id":"%s","sender_id":"U1","content":"%d"}""";

    @TempDir
    Path dir;

    private static int post(TestGateway gw, String conversation, int n) {
        try (Http1ClientResponse response = gw.postSigned(EVENT.formatted(conversation, n, conversation, n))) {
            return response.status().code();
        }
    }

    @Test
    void orderHoldsPerConversationUnderConcurrentLoadWhileOneConversationIsBlocked() throws Exception {
        int conversations = 6;
        int perConversation = 100;
        try (TestGateway gw = TestGateway.relay(dir, "");
             ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            gw.recorder.hold("CSLOW");
            assertThat(post(gw, "CSLOW", 0), is(200));

            // Each conversation's events are sent in order by one client; the conversations concurrently.
            List<Future<?>> sent = new ArrayList<>();
            for (int c = 0; c < conversations; c++) {
                String conversation = "C" + c;
                sent.add(senders.submit(() -> {
                    for (int n = 0; n < perConversation; n++) {
                        assertThat(post(gw, conversation, n), is(200));
                    }
                    return null;
                }));
            }
            sent.add(senders.submit(() -> {
                for (int n = 1; n <= 20; n++) {
                    assertThat(post(gw, "CSLOW", n), is(200));
                }
                return null;
            }));
            for (Future<?> future : sent) {
                future.get(60, TimeUnit.SECONDS);
            }

            Map<String, Integer> last = new HashMap<>();
            for (int i = 0; i < conversations * perConversation; i++) {
                ChannelEvent event = gw.recorder.next();
                assertThat("the blocked conversation holds up no other", event.conversation().equals("CSLOW"), is(false));
                int n = Integer.parseInt(event.text());
                assertThat("order in " + event.conversation(), n, is(last.getOrDefault(event.conversation(), -1) + 1));
                last.put(event.conversation(), n);
            }
            // "done" is committed right after the handler returns, not before: wait for the last ones.
            TestGateway.eventually("backlog 21", () -> gw.gateway.inbox().backlog().size() == 21);
            assertThat("only the blocked conversation is left", gw.gateway.inbox().backlog().size(), is(21));

            gw.recorder.release("CSLOW");
            for (int n = 0; n <= 20; n++) {
                ChannelEvent event = gw.recorder.next();
                assertThat(event.conversation(), is("CSLOW"));
                assertThat(event.text(), is(Integer.toString(n)));
            }
        }
    }

    @Test
    void aHandlersOwnInterruptionIsAFailedTryAndTheConversationGoesOn() throws Exception {
        try (TestGateway gw = TestGateway.relay(dir, "handler:\n  type: recording\n  id: " + TestGateway.recorderId(dir)
                                                     + "\n  retry-schedule: [PT0S]")) {
            String interrupted = EVENT.formatted("C1", 0, "C1", 0).replace("\"content\":\"0\"", "\"content\":\"interrupted\"");
            try (Http1ClientResponse response = gw.postSigned(interrupted)) {
                assertThat(response.status().code(), is(200));
            }
            assertThat(post(gw, "C1", 1), is(200));
            assertThat(gw.recorder.next().text(), is("interrupted"));
            assertThat(gw.recorder.next().text(), is("interrupted"));
            assertThat(gw.recorder.next().text(), is("1"));
            TestGateway.eventually("a dead letter", () -> gw.gateway.inbox().deadLetterCount() > 0);
            assertThat(gw.gateway.inbox().deadLetters(1, Optional.empty()).getFirst().error(),
                       is("java.lang.InterruptedException: the handler's own"));
        }
    }

    @Test
    void aThreadIsALaneOfItsOwn() throws Exception {
        try (TestGateway gw = TestGateway.relay(dir, "")) {
            gw.recorder.hold("C9");
            assertThat(post(gw, "C9", 0), is(200));
            String threaded = """
                    {"id":"t-1","event_type":"message","provider_scope":"T1","channel_id":"C9",\
                    "thread_id":"1700000000.000001","sender_id":"U1","content":"in thread"}""";
            try (Http1ClientResponse response = gw.postSigned(threaded)) {
                assertThat(response.status().code(), is(200));
            }
            assertThat("the thread is not held up by the conversation's main lane", gw.recorder.next().text(),
                       is("in thread"));
            gw.recorder.release("C9");
            assertThat(gw.recorder.next().text(), is("0"));
        }
    }

    @Test
    void maxConcurrencyBoundsHandlerCalls() throws Exception {
        try (TestGateway gw = TestGateway.relay(dir, "dispatch:\n  max-concurrency: 1")) {
            gw.recorder.hold("CSLOW");
            assertThat(post(gw, "CSLOW", 0), is(200));
            gw.recorder.awaitEntered();
            assertThat(post(gw, "C1", 0), is(200));
            // The only handler slot is taken by the blocked conversation: C1 waits for it.
            assertThat(gw.recorder.entered.tryAcquire(300, TimeUnit.MILLISECONDS), is(false));
            gw.recorder.release("CSLOW");
            assertThat(gw.recorder.next().conversation(), is("CSLOW"));
            assertThat(gw.recorder.next().conversation(), is("C1"));
        }
    }
}
