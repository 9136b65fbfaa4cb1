package dev.relaygate.plugins.telegram;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.relaygate.api.ChannelEvent;
import dev.relaygate.api.Inbound;
import dev.relaygate.api.SettingsException;
import dev.relaygate.api.Verdict;
import dev.relaygate.api.WebhookRequest;
import dev.relaygate.api.spi.Channel;
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
        assertThat(channel().verifier().verify(request(null, "{}")), is(TelegramProvider.MISSING_TOKEN));
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
}
