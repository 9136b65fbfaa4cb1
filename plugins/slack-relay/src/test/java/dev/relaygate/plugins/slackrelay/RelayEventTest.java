package dev.relaygate.plugins.slackrelay;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * relay-protocol.md 3.1 and the event-model tests of 9.1 / 9.2.
 */
class RelayEventTest {
    private static Optional<RelayEvent> parse(String json) {
        return RelayEvent.parse(json);
    }

    @Test
    void minimal() {
        RelayEvent event = parse("{\"event_type\":\"message\",\"content\":\"hello\"}").orElseThrow();
        assertThat(event.text(), is("hello"));
        assertThat(event.providerScope(), is(""));
        assertThat(event.id(), is(""));
        assertThat(event.senderId(), is(""));
    }

    @Test
    void relayFormat() {
        RelayEvent event = parse("""
                {"id":"evt_123","event_type":"direct_message","provider":"slack","provider_scope":"T123",
                 "channel_id":"D456","sender_id":"U789","sender_name":"bob","content":"hi there",
                 "thread_id":"1234567890.123456","raw":{},"timestamp":"2026-03-09T21:00:00Z"}""").orElseThrow();
        assertThat(event.provider(), is("slack"));
        assertThat(event.providerScope(), is("T123"));
        assertThat(event.displayName(), is("bob"));
        assertThat(event.threadId(), is(Optional.of("1234567890.123456")));
        assertThat(event.eventType(), is("direct_message"));
    }

    @Test
    void displayNameFallsBackToSenderIdButKeepsAnEmptyName() {
        assertThat(parse("{\"event_type\":\"message\",\"sender_id\":\"U1\"}").orElseThrow().displayName(), is("U1"));
        assertThat(parse("{\"event_type\":\"message\",\"sender_id\":\"U1\",\"sender_name\":\"\"}").orElseThrow()
                           .displayName(), is(""));
    }

    @Test
    void aliases() {
        RelayEvent event = parse("{\"event_type\":\"message\",\"team_id\":\"T1\",\"text\":\"t\",\"thread_ts\":\"1.2\"}")
                .orElseThrow();
        assertThat(event.providerScope(), is("T1"));
        assertThat(event.text(), is("t"));
        assertThat(event.threadId(), is(Optional.of("1.2")));
    }

    @Test
    void missingFieldsAreKeptEmptySoTheChannelCanDropThem() {
        RelayEvent event = parse("{\"event_type\":\"message\",\"provider_scope\":\"T1\",\"channel_id\":\"C1\","
                                         + "\"sender_id\":\"\"}").orElseThrow();
        assertThat(event.senderId(), is(""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "null", "[]", "[{}]", "1", "{}", "{\"content\":\"x\"}", "{\"event_type\":1}",
            "{\"event_type\":null}", "{\"event_type\":\"m\",\"id\":null}", "{\"event_type\":\"m\",\"provider\":null}",
            "{\"event_type\":\"m\",\"team_id\":null}", "{\"event_type\":\"m\",\"sender_id\":null}",
            "{\"event_type\":\"m\",\"content\":{}}", "{\"event_type\":\"m\",\"sender_name\":7}",
            "{\"event_type\":\"m\",\"timestamp\":1}", "{\"event_type\":\"m\",\"thread_id\":[]}",
            "{\"event_type\":\"m\",\"text\":\"a\",\"content\":\"b\"}", "{\"event_type\":\"m\",\"id\":\"a\",\"id\":\"b\"}",
            "{\"event_type\":\"m\"}{}", "{\"event_type\":\"m\"", "{\"event_type\":\"m\",}", "\u00ff\u00fe"})
    void invalid(String json) {
        assertThat(parse(json), is(Optional.empty()));
    }

    @Test
    void invalidUtf8BecomesReplacementCharactersNotAnException() {
        byte[] body = "{\"event_type\":\"message\",\"content\":\"x\"}".getBytes(StandardCharsets.UTF_8);
        body[body.length - 3] = (byte) 0xC3; // a lead byte without its continuation
        assertThat(RelayEvent.parse(new String(body, StandardCharsets.UTF_8)).orElseThrow().text(), is("\uFFFD"));
    }

    @Test
    void unknownFieldsAndTheirDuplicatesAreIgnored() {
        assertThat(parse("{\"event_type\":\"m\",\"x\":1,\"x\":{\"deep\":[null]},\"raw\":{\"a\":1}}").isPresent(), is(true));
    }
}
