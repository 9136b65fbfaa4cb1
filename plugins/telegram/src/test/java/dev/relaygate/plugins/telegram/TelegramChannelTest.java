package dev.relaygate.plugins.telegram;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.relaygate.api.ChannelEvent;
import dev.relaygate.api.Inbound;
import dev.relaygate.api.SettingsException;
import dev.relaygate.api.Verdict;
import dev.relaygate.api.WebhookRequest;
import dev.relaygate.api.spi.Channel;
import dev.relaygate.api.spi.Verifier;
import dev.relaygate.devrelay.TestContext;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TelegramChannelTest {
    private static final String TOKEN = "tg-secret_token-9f2c";

    private static Channel channel() {
        return new TelegramProvider().create(TestContext.of("tg", Map.of("secret-token", TOKEN), TestContext.CLOCK));
    }

    private static WebhookRequest request(String token, String body) {
        WebhookRequest.Builder request = WebhookRequest.builder().body(body.getBytes(StandardCharsets.UTF_8))
                .receivedAt(TestContext.CLOCK.instant());
        if (token != null) {
            request.header("X-Telegram-Bot-Api-Secret-Token", token);
        }
        return request.build();
    }

    @Test
    void theSecretTokenDecides() {
        assertThat(channel().verifier().verify(request(TOKEN, "{}")), is(Verdict.ACCEPTED));
        assertThat(channel().verifier().verify(request(null, "{}")), is(TelegramVerifier.MISSING_TOKEN));
        for (String wrong : new String[] {TOKEN + "x", TOKEN.substring(1), TOKEN.toUpperCase(), ""}) {
            assertThat(channel().verifier().verify(request(wrong, "{}")).equals(Verdict.ACCEPTED), is(false));
        }
    }

    @Test
    void aPrivateMessageIsADirectMessage() {
        String body = """
                {"update_id":10000,"message":{"message_id":1365,"from":{"id":1111111,"is_bot":false,"first_name":"Ann",\
                "username":"ann"},"chat":{"id":1111111,"type":"private"},"date":1441645532,"text":"hello bot"}}""";
        ChannelEvent event = ((Inbound.Events) channel().decode(request(TOKEN, body))).events().getFirst();
        assertThat(event.id(), is("10000"));
        assertThat(event.type(), is(ChannelEvent.DIRECT_MESSAGE));
        assertThat(event.conversation(), is("1111111"));
        assertThat(event.senderId(), is("1111111"));
        assertThat(event.senderName(), is("ann"));
        assertThat(event.text(), is("hello bot"));
        assertThat(event.thread(), is(Optional.empty()));
    }

    @Test
    void aForumTopicIsAThreadAndOtherUpdatesKeepTheirKind() {
        String group = """
                {"update_id":10001,"message":{"message_id":7,"message_thread_id":3,"from":{"id":5,"first_name":"Bo"},\
                "chat":{"id":-100200,"type":"supergroup"},"text":"in a topic"}}""";
        ChannelEvent event = ((Inbound.Events) channel().decode(request(TOKEN, group))).events().getFirst();
        assertThat(event.type(), is(ChannelEvent.MESSAGE));
        assertThat(event.conversation(), is("-100200"));
        assertThat(event.thread(), is(Optional.of("3")));
        assertThat(event.senderName(), is("Bo"));
        String callback = "{\"update_id\":10002,\"callback_query\":{\"id\":\"4382\",\"data\":\"approve\"}}";
        assertThat(((Inbound.Events) channel().decode(request(TOKEN, callback))).events().getFirst().type(),
                   is("callback_query"));
        assertThat(channel().decode(request(TOKEN, "{\"message\":{}}")), is(TelegramChannel.INVALID_JSON));
        assertThat(assertThrows(SettingsException.class, () -> new TelegramProvider().create(
                TestContext.of("tg", Map.of(), TestContext.CLOCK))).getMessage(), is("relaygate.channels.tg.secret-token: required"));
    }

    @Test
    void thePrecheckIsTheWholeCheck() {
        Verifier verifier = channel().verifier();
        WebhookRequest none = WebhookRequest.builder().build();
        WebhookRequest wrong = WebhookRequest.builder().header("X-Telegram-Bot-Api-Secret-Token", TOKEN + "x").build();
        WebhookRequest right = WebhookRequest.builder().header("X-Telegram-Bot-Api-Secret-Token", TOKEN).build();
        assertThat(verifier.precheck(none), is(Optional.of(TelegramVerifier.MISSING_TOKEN)));
        assertThat(verifier.precheck(wrong), is(Optional.of(TelegramVerifier.INVALID_TOKEN)));
        assertThat(verifier.precheck(right), is(Optional.empty()));
        assertThat(verifier.verify(none), is(TelegramVerifier.MISSING_TOKEN));
        assertThat(verifier.verify(wrong), is(TelegramVerifier.INVALID_TOKEN));
        assertThat(verifier.verify(right), is(Verdict.ACCEPTED));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"update_id\":", "{\"update_id\":1} trailing", "{\"update_id\":1}{}", "[{\"update_id\":1}]",
            "{\"update_id\":1e999999999}", "{\"update_id\":-1e999999999}", "{\"update_id\":1e-999999999}",
            "{\"update_id\":1.5}", "{\"update_id\":\"10000\"}", ""})
    void verifiedBodiesWithoutOneWholeUpdateIdAre400(String body) {
        String deep = body.equals("{\"update_id\":") ? body + "[".repeat(5000) : body;
        assertThat(channel().verifier().verify(request(TOKEN, deep)), is(Verdict.ACCEPTED));
        assertThat(channel().decode(request(TOKEN, deep)), is(TelegramChannel.INVALID_JSON));
    }

    @Test
    void aHugeUpdateIdIsRefusedAndHugeIdsAreAbsent() {
        String digits = "9".repeat(400);
        assertThat(channel().decode(request(TOKEN, "{\"update_id\":" + digits + "}")), is(TelegramChannel.INVALID_JSON));
        String body = """
                {"update_id":10003,"message":{"message_id":1,"message_thread_id":1e999999999,"from":{"id":%s},\
                "chat":{"id":-1e999999999,"type":"private"},"text":"hi"}}""".formatted(digits);
        ChannelEvent event = ((Inbound.Events) channel().decode(request(TOKEN, body))).events().getFirst();
        assertThat(event.id(), is("10003"));
        assertThat(event.conversation(), is(""));
        assertThat(event.thread(), is(Optional.empty()));
        assertThat(event.senderId(), is(""));
    }

    @Test
    void everyBadKeyIsReportedAtOnce() {
        SettingsException e = assertThrows(SettingsException.class, () -> new TelegramProvider().create(
                TestContext.of("tg", Map.of("path", "telegram"), TestContext.CLOCK)));
        assertThat(e.problems().stream().map(SettingsException::getMessage).toList(), is(List.of(
                "relaygate.channels.tg.path: must start with '/', got 'telegram'",
                "relaygate.channels.tg.secret-token: required")));
    }
}
